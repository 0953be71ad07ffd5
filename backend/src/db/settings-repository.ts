/** `settings`: run-time settings, one JSON value per key. */
import { eq } from 'drizzle-orm';

import type { DatabaseHandle } from './client.js';
import { settings } from './schema.js';

export class SettingsRepository {
  constructor(private readonly database: DatabaseHandle) {}

  get(key: string): unknown {
    return this.database.db.select({ value: settings.value }).from(settings).where(eq(settings.key, key)).get()?.value;
  }

  set(key: string, value: unknown, updatedBy: string, now: Date): void {
    this.database.db
      .insert(settings)
      .values({ key, value, updatedAt: now, updatedBy })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: now, updatedBy } })
      .run();
  }
}

/**
 * Applies the drizzle-kit migrations in backend/drizzle/ at boot. Each migration runs in a
 * transaction and is recorded in __drizzle_migrations, so starting a newer version on an
 * older database moves it forward and a restart is a no-op.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { migrate } from 'drizzle-orm/better-sqlite3/migrator';

import type { AppDatabase } from './client.js';

/** Works from src/db (tsx, vitest) and dist/db (built): both sit two levels under backend/. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

export function migrateDatabase(db: AppDatabase, migrationsFolder = MIGRATIONS_FOLDER): void {
  if (!existsSync(migrationsFolder)) {
    throw new Error(`migrations folder not found: ${migrationsFolder}`);
  }
  migrate(db, { migrationsFolder });
}

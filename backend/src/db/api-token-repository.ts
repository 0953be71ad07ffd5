/** `api_tokens`: machine credentials; revoked rows stay for the list and the audit trail. */
import { desc, eq, sql } from 'drizzle-orm';

import type { DatabaseHandle } from './client.js';
import { apiTokens, users } from './schema.js';

export type ApiTokenRecord = typeof apiTokens.$inferSelect;

export interface ApiTokenWithCreator {
  token: ApiTokenRecord;
  creator: typeof users.$inferSelect;
}

export class ApiTokenRepository {
  /** Built once: a token is checked on every request that carries one. */
  readonly #findWithCreator;

  constructor(private readonly database: DatabaseHandle) {
    this.#findWithCreator = database.db
      .select({ token: apiTokens, creator: users })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.createdBy))
      .where(eq(apiTokens.id, sql.placeholder('id')))
      .prepare();
  }

  insert(token: typeof apiTokens.$inferInsert): ApiTokenRecord {
    return this.database.db.insert(apiTokens).values(token).returning().get();
  }

  findById(id: string): ApiTokenRecord | undefined {
    return this.database.db.select().from(apiTokens).where(eq(apiTokens.id, id)).get();
  }

  findWithCreator(id: string): ApiTokenWithCreator | undefined {
    return this.#findWithCreator.get({ id });
  }

  list(): ApiTokenWithCreator[] {
    return this.database.db
      .select({ token: apiTokens, creator: users })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.createdBy))
      .orderBy(desc(apiTokens.createdAt))
      .all();
  }

  touch(id: string, now: Date): void {
    this.database.db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, id)).run();
  }

  revoke(id: string, now: Date): ApiTokenRecord | undefined {
    return this.database.db.update(apiTokens).set({ revokedAt: now }).where(eq(apiTokens.id, id)).returning().get();
  }
}

/** `sessions`: server-side sign-in sessions, found by the SHA-256 of their token. */
import { and, eq, lt, ne, sql } from 'drizzle-orm';

import type { DatabaseHandle } from './client.js';
import { sessions, users } from './schema.js';

export type SessionRecord = typeof sessions.$inferSelect;

export interface SessionWithUser {
  session: SessionRecord;
  user: typeof users.$inferSelect;
}

export class SessionRepository {
  /** Built once: a session is looked up on every request that carries its cookie. */
  readonly #findByTokenHash;

  constructor(private readonly database: DatabaseHandle) {
    this.#findByTokenHash = database.db
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.tokenHash, sql.placeholder('tokenHash')))
      .prepare();
  }

  insert(session: Omit<SessionRecord, 'lastUsedAt'> & { lastUsedAt: Date }): SessionRecord {
    return this.database.db.insert(sessions).values(session).returning().get();
  }

  findByTokenHash(tokenHash: string): SessionWithUser | undefined {
    return this.#findByTokenHash.get({ tokenHash });
  }

  touch(id: string, now: Date): void {
    this.database.db.update(sessions).set({ lastUsedAt: now }).where(eq(sessions.id, id)).run();
  }

  delete(id: string): boolean {
    return this.database.db.delete(sessions).where(eq(sessions.id, id)).run().changes > 0;
  }

  /** Every session of the user but `keepId` (all of them when it is undefined); returns how many. */
  deleteForUser(userId: string, keepId?: string): number {
    const condition =
      keepId === undefined ? eq(sessions.userId, userId) : and(eq(sessions.userId, userId), ne(sessions.id, keepId));
    return this.database.db.delete(sessions).where(condition).run().changes;
  }

  deleteExpired(now: Date): number {
    return this.database.db.delete(sessions).where(lt(sessions.expiresAt, now)).run().changes;
  }
}

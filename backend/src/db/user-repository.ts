/**
 * `users`: local accounts and OIDC identities. Synchronous statements, so a write can run
 * inside an audited operation's transaction (audit/audit-log.ts `commit`).
 */
import { asc, and, count, eq } from 'drizzle-orm';

import type { UserRole } from '@pki/shared';

import type { DatabaseHandle } from './client.js';
import { users } from './schema.js';

export type UserRecord = typeof users.$inferSelect;
export type NewUser = Omit<typeof users.$inferInsert, 'createdAt' | 'updatedAt'>;

export class UserRepository {
  constructor(private readonly database: DatabaseHandle) {}

  insert(user: NewUser, now: Date): UserRecord {
    return this.database.db
      .insert(users)
      .values({ ...user, createdAt: now, updatedAt: now })
      .returning()
      .get();
  }

  findById(id: string): UserRecord | undefined {
    return this.database.db.select().from(users).where(eq(users.id, id)).get();
  }

  findByUsername(username: string): UserRecord | undefined {
    return this.database.db.select().from(users).where(eq(users.username, username)).get();
  }

  findByOidcIdentity(issuer: string, subject: string): UserRecord | undefined {
    return this.database.db
      .select()
      .from(users)
      .where(and(eq(users.oidcIssuer, issuer), eq(users.oidcSubject, subject)))
      .get();
  }

  list(): UserRecord[] {
    return this.database.db.select().from(users).orderBy(asc(users.username)).all();
  }

  count(): number {
    return this.database.db.select({ value: count() }).from(users).get()?.value ?? 0;
  }

  countEnabledAdmins(): number {
    return (
      this.database.db
        .select({ value: count() })
        .from(users)
        .where(and(eq(users.role, 'admin'), eq(users.isDisabled, false)))
        .get()?.value ?? 0
    );
  }

  update(
    id: string,
    changes: Partial<Pick<UserRecord, 'role' | 'isDisabled' | 'passwordHash' | 'mustChangePassword' | 'username'>>,
    now: Date,
  ): UserRecord | undefined {
    return this.database.db
      .update(users)
      .set({ ...changes, updatedAt: now })
      .where(eq(users.id, id))
      .returning()
      .get();
  }

  setRole(id: string, role: UserRole, now: Date): UserRecord | undefined {
    return this.update(id, { role }, now);
  }
}

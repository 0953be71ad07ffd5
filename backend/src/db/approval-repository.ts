/** `approvals`: dual-control requests and their decisions. */
import { and, desc, eq, lt } from 'drizzle-orm';

import type { ApprovalStatus } from '@pki/shared';

import type { DatabaseHandle } from './client.js';
import { approvals } from './schema.js';

export type ApprovalRecord = typeof approvals.$inferSelect;

export class ApprovalRepository {
  constructor(private readonly database: DatabaseHandle) {}

  insert(approval: ApprovalRecord): ApprovalRecord {
    return this.database.db.insert(approvals).values(approval).returning().get();
  }

  findById(id: string): ApprovalRecord | undefined {
    return this.database.db.select().from(approvals).where(eq(approvals.id, id)).get();
  }

  list(status?: ApprovalStatus): ApprovalRecord[] {
    const query = this.database.db.select().from(approvals);
    return (status === undefined ? query : query.where(eq(approvals.status, status)))
      .orderBy(desc(approvals.requestedAt))
      .all();
  }

  /**
   * Moves a pending request to its decision; undefined when it was no longer pending (two
   * admins deciding at once: only one wins).
   */
  decide(
    id: string,
    decision: Pick<ApprovalRecord, 'status' | 'decidedBy' | 'decidedAt' | 'comment' | 'errorCode'>,
  ): ApprovalRecord | undefined {
    return this.database.db
      .update(approvals)
      .set(decision)
      .where(and(eq(approvals.id, id), eq(approvals.status, 'pending')))
      .returning()
      .get();
  }

  /** A decided request's outcome after execution (`failed` with the error code). */
  setOutcome(id: string, status: ApprovalStatus, errorCode: string | null): void {
    this.database.db.update(approvals).set({ status, errorCode }).where(eq(approvals.id, id)).run();
  }

  expirePending(now: Date): number {
    return this.database.db
      .update(approvals)
      .set({ status: 'expired' })
      .where(and(eq(approvals.status, 'pending'), lt(approvals.expiresAt, now)))
      .run().changes;
  }
}

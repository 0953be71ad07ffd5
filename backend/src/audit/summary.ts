/**
 * The compliance summary of a period (audit.summary): counts by operation, actor and status,
 * the unsuccessful rows, and the key and CA lifecycle rows, each list bounded with its total.
 *
 * The period is a `seq` range (time-range.ts). The counts are one aggregate over that range
 * of the primary key; each list is a walk of a partial index within it (status without
 * successes, operation without signatures), so a quiet month of a busy log reads few pages.
 */
import { and, asc, count, eq, gte, inArray, lt, max, min, ne } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';

import { AUDIT_SUMMARY_LIST_LIMIT } from '@pki/shared';
import type { AuditEntry, AuditSummary } from '@pki/shared';

import type { DatabaseHandle } from '../db/client.js';
import { AUDIT_SIGN_OPERATION, AUDIT_SUCCESS_STATUS, auditLog } from '../db/schema.js';

/** The operations the lifecycle sections list (KMSService and pki/audit-operations.ts). */
const LIFECYCLE_OPERATIONS = {
  keysCreated: ['kms.generateKeyPair'],
  keysRevoked: ['kms.revokeKey'],
  keysDestroyed: ['kms.destroyKey'],
  casCreated: ['ca.createRoot', 'ca.createIntermediate', 'ca.importSignedCertificate'],
  casRevoked: ['ca.revoke'],
} as const;

export interface SummaryPeriod {
  since: string;
  until: string;
  /** The period as seq bounds: `from` inclusive, `to` exclusive. */
  range: { from: number; to: number | undefined };
}

type AuditLogRow = typeof auditLog.$inferSelect;

export function summarizeAuditLog(
  database: DatabaseHandle,
  period: SummaryPeriod,
  toEntry: (row: AuditLogRow) => AuditEntry,
): AuditSummary {
  const { db } = database;
  const inRange: SQL[] = [gte(auditLog.seq, period.range.from)];
  if (period.range.to !== undefined) inRange.push(lt(auditLog.seq, period.range.to));

  const groups = db
    .select({
      operation: auditLog.operation,
      actor: auditLog.actor,
      status: auditLog.status,
      count: count(),
    })
    .from(auditLog)
    .where(and(...inRange))
    .groupBy(auditLog.operation, auditLog.actor, auditLog.status)
    .all();
  const byOperation = new Map<string, number>();
  const byActor = new Map<string, number>();
  const byStatus = new Map<string, number>();
  let rowCount = 0;
  for (const group of groups) {
    rowCount += group.count;
    addTo(byOperation, group.operation, group.count);
    addTo(byActor, group.actor, group.count);
    addTo(byStatus, group.status, group.count);
  }
  // Apart: SQLite answers a lone min() or max() from one end of the range, both together by a scan.
  const firstSeq =
    db
      .select({ seq: min(auditLog.seq) })
      .from(auditLog)
      .where(and(...inRange))
      .get()?.seq ?? null;
  const lastSeq =
    db
      .select({ seq: max(auditLog.seq) })
      .from(auditLog)
      .where(and(...inRange))
      .get()?.seq ?? null;

  const listed = (where: SQL[]) => {
    const condition = and(...inRange, ...where);
    const total = db.select({ count: count() }).from(auditLog).where(condition).get()?.count ?? 0;
    const items = db
      .select()
      .from(auditLog)
      .where(condition)
      .orderBy(asc(auditLog.seq))
      .limit(AUDIT_SUMMARY_LIST_LIMIT)
      .all()
      .map(toEntry);
    return { total, items };
  };
  // Each list states its partial index's condition, which is how SQLite knows it applies.
  const lifecycle = (operations: readonly string[]) =>
    listed([
      inArray(auditLog.operation, [...operations]),
      ne(auditLog.operation, AUDIT_SIGN_OPERATION),
      eq(auditLog.status, AUDIT_SUCCESS_STATUS),
    ]);

  return {
    since: period.since,
    until: period.until,
    firstSeq,
    lastSeq,
    rowCount,
    byOperation: sortedCounts(byOperation),
    byActor: sortedCounts(byActor),
    byStatus: sortedCounts(byStatus),
    unsuccessful: listed([inArray(auditLog.status, ['failure', 'denied']), ne(auditLog.status, AUDIT_SUCCESS_STATUS)]),
    keysCreated: lifecycle(LIFECYCLE_OPERATIONS.keysCreated),
    keysRevoked: lifecycle(LIFECYCLE_OPERATIONS.keysRevoked),
    keysDestroyed: lifecycle(LIFECYCLE_OPERATIONS.keysDestroyed),
    casCreated: lifecycle(LIFECYCLE_OPERATIONS.casCreated),
    casRevoked: lifecycle(LIFECYCLE_OPERATIONS.casRevoked),
  };
}

function addTo(counts: Map<string, number>, name: string, amount: number): void {
  counts.set(name, (counts.get(name) ?? 0) + amount);
}

/** Largest first, then by name, so two reports of one period read the same. */
function sortedCounts(counts: Map<string, number>): { name: string; count: number }[] {
  return [...counts]
    .map(([name, amount]) => ({ name, count: amount }))
    .sort((left, right) => right.count - left.count || (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
}

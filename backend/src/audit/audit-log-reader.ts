/**
 * Reads the audit log for people: filtered, newest or oldest first, paged by keyset on `seq`
 * (stable while rows are appended, and an index walk however deep the page). Read-only: a
 * read writes no row; the chain is written through audit-log.ts and checked by verify.ts.
 *
 * Every query is bounded by a `seq` range (a time range is one, audit/time-range.ts; without
 * one, from row 1), and every filter but the dense ones (signatures, successes) has an index
 * (schema.ts): so each page is an index or primary-key walk, never a scan and never a sort.
 * audit-log-reader.test.ts proves it with EXPLAIN QUERY PLAN.
 */
import { and, asc, desc, eq, gt, gte, lt, lte, ne } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';

import { AuditSummaryInput, GetAuditInput, ListAuditInput } from '@pki/shared';
import type { AuditEntry, AuditPage, AuditRow, AuditSummary } from '@pki/shared';

import type { DatabaseHandle } from '../db/client.js';
import { AUDIT_SIGN_OPERATION, AUDIT_SUCCESS_STATUS, auditLog } from '../db/schema.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { summarizeAuditLog } from './summary.js';
import { firstSeqAtOrAfter } from './time-range.js';
import { verifyAuditChain } from './verify.js';
import type { AuditChainVerification } from './verify.js';

type AuditLogRow = typeof auditLog.$inferSelect;

/** The `seq` range of a time range: `from` inclusive, `to` exclusive (undefined: open). */
export interface SeqRange {
  from: number;
  to: number | undefined;
}

export class AuditLogReader {
  constructor(private readonly database: DatabaseHandle) {}

  list(rawInput: ListAuditInput): AuditPage {
    const input = ListAuditInput.parse(rawInput);
    const range = this.seqRange(input.since, input.until);
    const conditions: SQL[] = [gte(auditLog.seq, range.from)];
    if (range.to !== undefined) conditions.push(lt(auditLog.seq, range.to));
    if (input.since !== undefined) conditions.push(gte(auditLog.timestamp, new Date(Date.parse(input.since))));
    if (input.until !== undefined) conditions.push(lte(auditLog.timestamp, new Date(Date.parse(input.until))));
    if (input.operation !== undefined) {
      conditions.push(eq(auditLog.operation, input.operation));
      // Implied by the equality, but SQLite uses a partial index only when the query states
      // its condition (schema.ts: signature rows are left out of the operation index).
      if (input.operation !== AUDIT_SIGN_OPERATION) conditions.push(ne(auditLog.operation, AUDIT_SIGN_OPERATION));
    }
    if (input.status !== undefined) {
      conditions.push(eq(auditLog.status, input.status));
      // The same for the status index, which leaves successes out.
      if (input.status !== AUDIT_SUCCESS_STATUS) conditions.push(ne(auditLog.status, AUDIT_SUCCESS_STATUS));
    }
    if (input.entityType !== undefined) conditions.push(eq(auditLog.entityType, input.entityType));
    if (input.entityId !== undefined) conditions.push(eq(auditLog.entityId, input.entityId));
    if (input.actor !== undefined) conditions.push(eq(auditLog.actor, input.actor));
    if (input.requestId !== undefined) conditions.push(eq(auditLog.requestId, input.requestId));
    const isNewestFirst = input.order === 'desc';
    if (input.cursor !== undefined) {
      const after = decodeCursor(input.cursor);
      conditions.push(isNewestFirst ? lt(auditLog.seq, after) : gt(auditLog.seq, after));
    }

    const rows = this.database.db
      .select()
      .from(auditLog)
      .where(and(...conditions))
      .orderBy(isNewestFirst ? desc(auditLog.seq) : asc(auditLog.seq))
      .limit(input.limit + 1)
      .all();
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    return {
      items: page.map(toAuditEntry),
      nextCursor: rows.length > input.limit && last !== undefined ? String(last.seq) : null,
    };
  }

  /** One row with every field; NOT_FOUND when there is no row at that `seq`. */
  get(rawInput: GetAuditInput): AuditRow {
    const { seq } = GetAuditInput.parse(rawInput);
    const row = this.database.db.select().from(auditLog).where(eq(auditLog.seq, seq)).get();
    if (row === undefined) throw new NotFoundError(`seq: no audit row ${seq}`, { code: 'AUDIT_ROW_NOT_FOUND' });
    return { ...toAuditEntry(row), prevHash: row.prevHash };
  }

  /** Counts and listed rows of a period, for a compliance report (summary.ts). */
  summary(rawInput: AuditSummaryInput, now: Date = new Date()): AuditSummary {
    const input = AuditSummaryInput.parse(rawInput);
    const until = input.until ?? now.toISOString();
    if (Date.parse(until) < Date.parse(input.since))
      throw new ValidationError(`until: ${until} is before since ${input.since}`);
    return summarizeAuditLog(
      this.database,
      { since: input.since, until, range: this.seqRange(input.since, until) },
      toAuditEntry,
    );
  }

  /** The rows of a time range as a `seq` range, by binary search on the primary key. */
  seqRange(since: string | undefined, until: string | undefined): SeqRange {
    const { sqlite } = this.database;
    return {
      from: since === undefined ? 1 : firstSeqAtOrAfter(sqlite, Date.parse(since)),
      to: until === undefined ? undefined : firstSeqAtOrAfter(sqlite, Date.parse(until) + 1),
    };
  }

  /** Walks the whole hash chain; names the first bad row when it is broken. */
  verify(): AuditChainVerification {
    return verifyAuditChain(this.database);
  }
}

export function toAuditEntry(row: AuditLogRow): AuditEntry {
  return {
    seq: row.seq,
    id: row.id,
    timestamp: row.timestamp.toISOString(),
    actor: row.actor,
    operation: row.operation,
    entityType: row.entityType,
    entityId: row.entityId,
    status: row.status,
    details: row.details,
    kmsOperationId: row.kmsOperationId,
    requestId: row.requestId,
    hash: row.hash,
  };
}

function decodeCursor(cursor: string): number {
  const seq = Number(cursor);
  if (!/^\d{1,15}$/.test(cursor) || !Number.isSafeInteger(seq))
    throw new ValidationError(`cursor: not a cursor from a previous page: ${JSON.stringify(cursor)}`);
  return seq;
}

/**
 * Reads the audit log for people: newest first, filtered, paged by keyset on `seq` (stable
 * while rows are appended, and an index walk however deep the page). Read-only; the chain
 * is written through audit-log.ts and checked by verify.ts.
 */
import { and, desc, eq, gte, lt, lte, ne } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';

import { ListAuditInput } from '@pki/shared';
import type { AuditPage } from '@pki/shared';

import type { DatabaseHandle } from '../db/client.js';
import { AUDIT_SIGN_OPERATION, auditLog } from '../db/schema.js';
import { ValidationError } from '../errors.js';
import { firstSeqAtOrAfter } from './time-range.js';
import { verifyAuditChain } from './verify.js';
import type { AuditChainVerification } from './verify.js';

export class AuditLogReader {
  constructor(private readonly database: DatabaseHandle) {}

  list(rawInput: ListAuditInput): AuditPage {
    const input = ListAuditInput.parse(rawInput);
    const conditions: SQL[] = [];
    if (input.operation !== undefined) {
      conditions.push(eq(auditLog.operation, input.operation));
      // Implied by the equality, but SQLite uses a partial index only when the query states
      // its condition (schema.ts: signature rows are left out of the operation index).
      if (input.operation !== AUDIT_SIGN_OPERATION) conditions.push(ne(auditLog.operation, AUDIT_SIGN_OPERATION));
    }
    if (input.entityType !== undefined) conditions.push(eq(auditLog.entityType, input.entityType));
    if (input.entityId !== undefined) conditions.push(eq(auditLog.entityId, input.entityId));
    if (input.actor !== undefined) conditions.push(eq(auditLog.actor, input.actor));
    if (input.status !== undefined) conditions.push(eq(auditLog.status, input.status));
    // No timestamp index: timestamps rise with seq, so the range is also a seq range (primary key).
    if (input.since !== undefined) {
      const since = Date.parse(input.since);
      conditions.push(
        gte(auditLog.timestamp, new Date(since)),
        gte(auditLog.seq, firstSeqAtOrAfter(this.database.sqlite, since)),
      );
    }
    if (input.until !== undefined) {
      const until = Date.parse(input.until);
      conditions.push(
        lte(auditLog.timestamp, new Date(until)),
        lt(auditLog.seq, firstSeqAtOrAfter(this.database.sqlite, until + 1)),
      );
    }
    if (input.cursor !== undefined) conditions.push(lt(auditLog.seq, decodeCursor(input.cursor)));

    const rows = this.database.db
      .select()
      .from(auditLog)
      .where(conditions.length === 0 ? undefined : and(...conditions))
      .orderBy(desc(auditLog.seq))
      .limit(input.limit + 1)
      .all();
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => ({
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
      })),
      nextCursor: rows.length > input.limit && last !== undefined ? String(last.seq) : null,
    };
  }

  /** Walks the whole hash chain; names the first bad row when it is broken. */
  verify(): AuditChainVerification {
    return verifyAuditChain(this.database);
  }
}

function decodeCursor(cursor: string): number {
  const seq = Number(cursor);
  if (!/^\d{1,15}$/.test(cursor) || !Number.isSafeInteger(seq))
    throw new ValidationError(`cursor: not a cursor from a previous page: ${JSON.stringify(cursor)}`);
  return seq;
}

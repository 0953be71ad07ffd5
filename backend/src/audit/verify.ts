/**
 * Walks the whole audit chain and names the first row that breaks it. What each fault means:
 * - `missing-row`:   a sequence number is absent (a row was deleted from the middle);
 * - `broken-link`:   a row's prev_hash is not the hash of the row before it (a row was
 *                    inserted, deleted and re-numbered, or rows were reordered);
 * - `hash-mismatch`: a row's content no longer matches its hash (it was edited);
 * - `malformed-row`: details are not the canonical JSON that was hashed;
 * - `truncated`:     rows were removed from the end (SQLite's AUTOINCREMENT counter,
 *                    `sqlite_sequence`, remembers a higher seq than the last row).
 * An attacker with write access who recomputes every hash after an edit, and fixes
 * sqlite_sequence, is not detectable by a chain alone: export the last hash elsewhere
 * (`lastHash`) to anchor it.
 */
import type Database from 'better-sqlite3';

import type { DatabaseHandle } from '../db/client.js';
import type { StoredAuditRow } from './audit-export.js';
import { GENESIS_PREV_HASH, canonicalJson, computeAuditHash } from './chain.js';

export type AuditChainFault = 'missing-row' | 'broken-link' | 'hash-mismatch' | 'malformed-row' | 'truncated';

export type AuditChainVerification =
  | { isValid: true; rowCount: number; lastHash: string }
  | { isValid: false; firstBadSeq: number; reason: AuditChainFault; message: string; rowCount: number };

export function verifyAuditChain(database: DatabaseHandle | Database.Database): AuditChainVerification {
  const sqlite = 'sqlite' in database ? database.sqlite : database;
  // One read transaction: a snapshot, so appends that commit meanwhile are not half-seen.
  return sqlite.transaction(() => verifySnapshot(sqlite))();
}

function verifySnapshot(sqlite: Database.Database): AuditChainVerification {
  const highestSeqEverIssued =
    (sqlite.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").get() as { seq: number } | undefined)
      ?.seq ?? 0;
  const rows = sqlite.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<StoredAuditRow>;

  let expectedSeq = 1;
  let expectedPrevHash = GENESIS_PREV_HASH;
  let rowCount = 0;
  const fault = (firstBadSeq: number, reason: AuditChainFault, message: string): AuditChainVerification => ({
    isValid: false,
    firstBadSeq,
    reason,
    message,
    rowCount,
  });

  for (const row of rows) {
    if (row.seq !== expectedSeq) {
      rows.return?.();
      return fault(expectedSeq, 'missing-row', `row ${expectedSeq} is missing; the next row is ${row.seq}`);
    }
    if (row.prev_hash !== expectedPrevHash) {
      rows.return?.();
      return fault(row.seq, 'broken-link', `row ${row.seq} does not follow row ${row.seq - 1} (prev_hash differs)`);
    }
    if (!isCanonicalJson(row.details)) {
      rows.return?.();
      return fault(row.seq, 'malformed-row', `row ${row.seq} details are not the canonical JSON that was hashed`);
    }
    const recomputed = computeAuditHash({
      seq: row.seq,
      id: row.id,
      timestamp: row.timestamp,
      actor: row.actor,
      operation: row.operation,
      entityType: row.entity_type,
      entityId: row.entity_id,
      status: row.status,
      detailsJson: row.details,
      kmsOperationId: row.kms_operation_id,
      requestId: row.request_id,
      prevHash: row.prev_hash,
    });
    if (recomputed !== row.hash) {
      rows.return?.();
      return fault(row.seq, 'hash-mismatch', `row ${row.seq} was changed after it was written`);
    }
    rowCount += 1;
    expectedSeq += 1;
    expectedPrevHash = row.hash;
  }

  if (highestSeqEverIssued >= expectedSeq) {
    return fault(expectedSeq, 'truncated', `rows ${expectedSeq}–${highestSeqEverIssued} were removed from the end`);
  }
  return { isValid: true, rowCount, lastHash: expectedPrevHash };
}

function isCanonicalJson(text: string): boolean {
  try {
    return canonicalJson(JSON.parse(text)) === text;
  } catch {
    return false;
  }
}

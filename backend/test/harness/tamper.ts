/**
 * Tampering as an attacker with the database file would do it (tests only): the append-only
 * triggers dropped, rows edited, re-hashed so the chain is consistent again, deleted.
 */
import type Database from 'better-sqlite3';

import { hashInputOf } from '../../src/audit/audit-export.js';
import type { StoredAuditRow } from '../../src/audit/audit-export.js';
import { computeAuditHash } from '../../src/audit/chain.js';

export function dropAuditTriggers(sqlite: Database.Database): void {
  sqlite.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
}

export function storedAuditRows(sqlite: Database.Database): StoredAuditRow[] {
  return sqlite.prepare('SELECT * FROM audit_log ORDER BY seq').all() as StoredAuditRow[];
}

/** Sets `change` on row `seq` and re-hashes it and every row after it: a chain consistent again. */
export function rewriteAuditChainFrom(sqlite: Database.Database, seq: number, change: Partial<StoredAuditRow>): void {
  dropAuditTriggers(sqlite);
  let previousHash = '';
  const update = sqlite.prepare('UPDATE audit_log SET actor = ?, details = ?, prev_hash = ?, hash = ? WHERE seq = ?');
  for (const stored of storedAuditRows(sqlite)) {
    if (stored.seq < seq) {
      previousHash = stored.hash;
      continue;
    }
    const row = { ...stored, ...(stored.seq === seq ? change : {}), prev_hash: previousHash };
    const hash = computeAuditHash(hashInputOf(row));
    update.run(row.actor, row.details, row.prev_hash, hash, row.seq);
    previousHash = hash;
  }
}

import { rmSync } from 'node:fs';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { DatabaseHandle } from '../db/client.js';
import { openTempDatabase } from '../../test/harness/temp-local-store.js';
import { AuditChain } from './chain.js';
import { firstSeqAtOrAfter } from './time-range.js';

/** Timestamps of rows 1..10: repeats, as a clock stepped back or several rows in one millisecond give. */
const TIMESTAMPS = [1000, 1000, 1005, 1010, 1010, 1010, 1020, 1500, 1500, 2000];

describe('audit time ranges without a timestamp index', () => {
  let database: DatabaseHandle;
  let cleanup: () => void;

  beforeEach(() => {
    const temp = openTempDatabase('pki-audit-time-');
    database = temp.database;
    cleanup = () => {
      database.close();
      rmSync(temp.dataDir, { recursive: true, force: true });
    };
  });
  afterEach(() => cleanup());

  function appendAt(timestamps: readonly number[]): void {
    const chain = new AuditChain(database.sqlite);
    chain.transaction(() => {
      timestamps.forEach((timestamp, index) =>
        chain.append({
          actor: index % 2 === 0 ? 'alice' : 'bob',
          operation: index % 3 === 0 ? 'kms.sign' : 'certificate.issue',
          entityType: 'kms_key',
          entityId: `key-${index % 4}`,
          status: 'success',
          details: {},
          timestamp,
        }),
      );
    });
  }

  it('finds the first row at or after an instant, like a scan would', () => {
    appendAt(TIMESTAMPS);
    const scan = (instant: number) =>
      (database.sqlite.prepare('SELECT min(seq) FROM audit_log WHERE timestamp >= ?').pluck().get(instant) as
        number | null) ?? TIMESTAMPS.length + 1;
    for (const instant of [0, 999, 1000, 1001, 1005, 1006, 1010, 1011, 1020, 1499, 1500, 1501, 2000, 2001, 99_999]) {
      expect({ instant, seq: firstSeqAtOrAfter(database.sqlite, instant) }).toEqual({ instant, seq: scan(instant) });
    }
  });

  it('answers 1 on an empty log', () => {
    expect(firstSeqAtOrAfter(database.sqlite, 12_345)).toBe(1);
  });

  it('serves the audit list queries from the primary key and the (column, seq) indexes, without a sort', () => {
    appendAt(TIMESTAMPS);
    const plan = (sql: string) =>
      (database.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
        .map((row) => row.detail)
        .join(' | ');
    const newestFirst = 'ORDER BY seq DESC LIMIT 101';
    expect(plan(`SELECT * FROM audit_log WHERE seq >= 3 AND seq < 8 AND timestamp >= 1005 ${newestFirst}`)).toMatch(
      /USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/,
    );
    expect(plan(`SELECT * FROM audit_log WHERE actor = 'alice' ${newestFirst}`)).toMatch(
      /USING INDEX audit_log_actor_seq_idx \(actor=\?\)/,
    );
    // AuditLogReader states the partial index's condition next to the equality.
    expect(
      plan(
        `SELECT * FROM audit_log WHERE operation = 'certificate.issue' AND operation <> 'kms.sign' AND seq < 9 ${newestFirst}`,
      ),
    ).toMatch(/USING INDEX audit_log_operation_unsigned_idx \(operation=\? AND rowid<\?\)/);
    // Signature rows are most of the log: newest first down the primary key finds them at once.
    expect(plan(`SELECT * FROM audit_log WHERE operation = 'kms.sign' AND seq < 9 ${newestFirst}`)).toMatch(
      /USING INTEGER PRIMARY KEY \(rowid<\?\)/,
    );
    expect(
      plan(`SELECT * FROM audit_log WHERE entity_type = 'kms_key' AND entity_id = 'key-1' ${newestFirst}`),
    ).toMatch(/USING INDEX audit_log_entity_idx/);
    for (const sql of [
      `SELECT * FROM audit_log WHERE actor = 'alice' ${newestFirst}`,
      `SELECT * FROM audit_log WHERE operation = 'kms.sign' ${newestFirst}`,
      `SELECT * FROM audit_log WHERE operation = 'certificate.issue' AND operation <> 'kms.sign' ${newestFirst}`,
      `SELECT * FROM audit_log WHERE entity_type = 'kms_key' AND entity_id = 'key-1' ${newestFirst}`,
    ]) {
      expect(plan(sql)).not.toMatch(/TEMP B-TREE/);
    }
  });
});

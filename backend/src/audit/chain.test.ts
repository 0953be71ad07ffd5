import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { DatabaseHandle } from '../db/client.js';
import { openTempDatabase } from '../../test/harness/temp-local-store.js';
import {
  AuditChain,
  GENESIS_PREV_HASH,
  MAX_TIMESTAMP_LEAD_MS,
  canonicalJson,
  computeAuditHash,
  timeOrderedUuid,
} from './chain.js';
import type { AuditEntry } from './chain.js';
import { verifyAuditChain } from './verify.js';

const ROWS = 6;

function entry(index: number): AuditEntry {
  return {
    actor: 'alice',
    operation: 'kms.sign',
    entityType: 'kms_key',
    entityId: `key-${index}`,
    status: index % 3 === 0 ? 'failure' : 'success',
    details: { zeta: index, alpha: { nested: [1, 'é', null], flag: true }, durationMs: 1.25 },
    kmsOperationId: `op-${index}`,
    requestId: index % 2 === 0 ? `req-${index}` : null,
  };
}

describe('audit chain', () => {
  let database: DatabaseHandle;
  let chain: AuditChain;
  let cleanup: () => void;

  beforeEach(() => {
    const temp = openTempDatabase('pki-audit-');
    database = temp.database;
    chain = new AuditChain(database.sqlite);
    cleanup = () => {
      database.close();
      rmSync(temp.dataDir, { recursive: true, force: true });
    };
    for (let index = 1; index <= ROWS; index += 1) chain.transaction(() => chain.append(entry(index)));
  });
  afterEach(() => cleanup());

  /** Tampering as an attacker with the file would: raw SQL with the append-only triggers dropped. */
  function tamper(sql: string): void {
    database.sqlite.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
    database.sqlite.exec(sql);
  }

  it('links every row to the previous one from a genesis of 64 zeros', () => {
    const rows = database.sqlite.prepare('SELECT seq, prev_hash, hash FROM audit_log ORDER BY seq').all() as {
      seq: number;
      prev_hash: string;
      hash: string;
    }[];
    expect(rows.map((row) => row.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rows[0]?.prev_hash).toBe(GENESIS_PREV_HASH);
    rows.slice(1).forEach((row, index) => expect(row.prev_hash).toBe(rows[index]?.hash));
    expect(verifyAuditChain(database)).toEqual({ isValid: true, rowCount: ROWS, lastHash: rows[5]?.hash });
  });

  it('hashes a documented canonical form that an independent implementation reproduces', () => {
    // Python's json with sorted keys and compact separators is the canonical JSON of chain.ts.
    const script = `
import hashlib, json, sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute(
  "select seq,id,timestamp,actor,operation,entity_type,entity_id,status,details,kms_operation_id,request_id,prev_hash,hash from audit_log where seq=4").fetchone()
fields = [1, *row[:8], json.loads(row[8]), *row[9:12]]
text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
print(hashlib.sha256(text.encode()).hexdigest() == row[12])`;
    const databasePath = database.sqlite.name;
    expect(execFileSync('python3', ['-c', script, databasePath]).toString().trim()).toBe('True');
  });

  it('stores details as canonical JSON: sorted keys, no whitespace', () => {
    const details = database.sqlite.prepare('SELECT details FROM audit_log WHERE seq = 1').pluck().get();
    expect(details).toBe('{"alpha":{"flag":true,"nested":[1,"é",null]},"durationMs":1.25,"zeta":1}');
    expect(() => canonicalJson({ value: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ value: new Uint8Array(2) })).toThrow(TypeError);
    expect(canonicalJson({ b: undefined, a: new Date(5) })).toBe('{"a":5}');
  });

  it('gives rows time-ordered UUIDv7 ids, so ids sort like seq', () => {
    expect(timeOrderedUuid(0x0123456789ab)).toMatch(/^01234567-89ab-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ids = database.sqlite.prepare('SELECT id FROM audit_log ORDER BY seq').pluck().all() as string[];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const timePrefixes = ids.map((id) => id.slice(0, 13));
    expect([...timePrefixes].sort()).toEqual(timePrefixes);
  });

  it('refuses an append outside a transaction and drops the row of a rolled-back one', () => {
    expect(() => chain.append(entry(99))).toThrow(/IMMEDIATE transaction/);
    expect(() =>
      chain.transaction(() => {
        chain.append(entry(7));
        throw new Error('domain write failed');
      }),
    ).toThrow('domain write failed');
    chain.transaction(() => chain.append(entry(8)));
    expect(verifyAuditChain(database)).toMatchObject({ isValid: true, rowCount: ROWS + 1 });
  });

  it('keeps time order along seq for a clock a little behind, at most MAX_TIMESTAMP_LEAD_MS ahead of it', () => {
    const last = database.sqlite.prepare('SELECT max(timestamp) FROM audit_log').pluck().get() as number;
    // A writer whose clock reads slightly earlier (another connection, a small NTP step), then caught up.
    chain.transaction(() => chain.append({ ...entry(7), timestamp: last - MAX_TIMESTAMP_LEAD_MS }));
    chain.transaction(() => chain.append({ ...entry(8), timestamp: last + 5 }));
    chain.transaction(() => chain.append({ ...entry(9), timestamp: last + 1 }));
    const stamps = database.sqlite
      .prepare('SELECT timestamp FROM audit_log WHERE seq > ? ORDER BY seq')
      .pluck()
      .all(ROWS);
    expect(stamps).toEqual([last, last + 5, last + 5]);
    // The raised timestamp is the one hashed: the chain still verifies.
    expect(verifyAuditChain(database)).toMatchObject({ isValid: true, rowCount: ROWS + 3 });
  });

  it('records a clock stepped back further than the bound as it is, rather than run ahead of it', () => {
    const last = database.sqlite.prepare('SELECT max(timestamp) FROM audit_log').pluck().get() as number;
    chain.transaction(() => chain.append({ ...entry(7), timestamp: last - MAX_TIMESTAMP_LEAD_MS - 1 }));
    chain.transaction(() => chain.append({ ...entry(8), timestamp: last - 60_000 }));
    const stamps = database.sqlite
      .prepare('SELECT timestamp FROM audit_log WHERE seq > ? ORDER BY seq')
      .pluck()
      .all(ROWS);
    expect(stamps).toEqual([last - MAX_TIMESTAMP_LEAD_MS - 1, last - 60_000]);
    expect(verifyAuditChain(database)).toMatchObject({ isValid: true, rowCount: ROWS + 2 });
  });

  it('appends rows of one transaction in order, each linked to the one before', () => {
    const records = chain.transaction(() => [7, 8, 9].map((index) => chain.append(entry(index))));
    expect(records.map((record) => record.seq)).toEqual([7, 8, 9]);
    expect(records[1]?.prevHash).toBe(records[0]?.hash);
    expect(records[2]?.prevHash).toBe(records[1]?.hash);
    expect(verifyAuditChain(database)).toMatchObject({ isValid: true, rowCount: ROWS + 3, lastHash: records[2]?.hash });
    expect(() =>
      chain.transaction(() => chain.append({ ...entry(10), details: { when: Number.POSITIVE_INFINITY } })),
    ).toThrow(TypeError);
    expect(() => chain.transaction(() => chain.append({ ...entry(10), timestamp: 1.5 }))).toThrow(
      /integer milliseconds/,
    );
    expect(() => chain.append(entry(10))).toThrow(/IMMEDIATE transaction/);
    expect(verifyAuditChain(database)).toMatchObject({ isValid: true, rowCount: ROWS + 3 });
  });

  it('hashes the test vector of docs/AUDIT.md §2', () => {
    const row = {
      seq: 1,
      id: '01938a6e-0d5b-7c2e-9f00-2b8f1b6c1a10',
      timestamp: 1733077200123,
      actor: 'system:boot',
      operation: 'kms.reconcile',
      entityType: 'kms_key',
      entityId: null,
      status: 'success' as const,
      detailsJson: canonicalJson({ kmsKeyCount: 0, backend: 'local', durationMs: 0.25, note: 'é "q"' }),
      kmsOperationId: '5c1a0d6e-3f2b-4c8a-9e1d-7b6a5f4e3d2c',
      requestId: 'boot',
      prevHash: GENESIS_PREV_HASH,
    };
    expect(computeAuditHash(row)).toBe('8e617929e4f0219ee9e01e7d372aba39581095a070e0a0f123c8a446997098ba');
  });

  it('is append-only: the triggers refuse UPDATE and DELETE', () => {
    expect(() => database.sqlite.exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")).toThrow(/append-only/);
    expect(() => database.sqlite.exec('DELETE FROM audit_log WHERE seq = 2')).toThrow(/append-only/);
  });

  it('detects an edited row', () => {
    tamper("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3");
    expect(verifyAuditChain(database)).toMatchObject({ isValid: false, firstBadSeq: 3, reason: 'hash-mismatch' });
  });

  it('detects edited details, even a whitespace-only edit', () => {
    tamper("UPDATE audit_log SET details = replace(details, ',', ', ') WHERE seq = 5");
    expect(verifyAuditChain(database)).toMatchObject({ isValid: false, firstBadSeq: 5, reason: 'malformed-row' });
  });

  it('detects an edited row whose hash was recomputed, at the next row', () => {
    const row = database.sqlite.prepare('SELECT * FROM audit_log WHERE seq = 2').get() as Record<
      string,
      string | number | null
    >;
    const rehashed = computeAuditHash({
      seq: 2,
      id: String(row.id),
      timestamp: Number(row.timestamp),
      actor: 'mallory',
      operation: String(row.operation),
      entityType: String(row.entity_type),
      entityId: row.entity_id === null ? null : String(row.entity_id),
      status: row.status === 'failure' ? 'failure' : 'success',
      detailsJson: String(row.details),
      kmsOperationId: row.kms_operation_id === null ? null : String(row.kms_operation_id),
      requestId: row.request_id === null ? null : String(row.request_id),
      prevHash: String(row.prev_hash),
    });
    tamper(`UPDATE audit_log SET actor = 'mallory', hash = '${rehashed}' WHERE seq = 2`);
    expect(verifyAuditChain(database)).toMatchObject({ isValid: false, firstBadSeq: 3, reason: 'broken-link' });
  });

  it('detects a row deleted from the middle', () => {
    tamper('DELETE FROM audit_log WHERE seq = 4');
    expect(verifyAuditChain(database)).toMatchObject({ isValid: false, firstBadSeq: 4, reason: 'missing-row' });
  });

  it('detects rows deleted from the end', () => {
    tamper('DELETE FROM audit_log WHERE seq >= 5');
    expect(verifyAuditChain(database)).toMatchObject({ isValid: false, firstBadSeq: 5, reason: 'truncated' });
  });

  it('detects a deleted first row', () => {
    tamper('DELETE FROM audit_log WHERE seq = 1; UPDATE audit_log SET seq = seq - 1;');
    expect(verifyAuditChain(database)).toMatchObject({ isValid: false, firstBadSeq: 1, reason: 'broken-link' });
  });

  it('detects an inserted row', () => {
    // Renumber rows after 3 to make room, then insert a forged row 4.
    tamper(`
      UPDATE audit_log SET seq = -seq WHERE seq > 3;
      UPDATE audit_log SET seq = -seq + 1 WHERE seq < 0;
      INSERT INTO audit_log (seq, id, timestamp, actor, operation, entity_type, entity_id, status, details, prev_hash, hash)
      SELECT 4, 'forged', timestamp, 'mallory', 'kms.exportPrivateKey', 'kms_key', 'key-3', 'success', '{}', hash, '${'e'.repeat(64)}'
      FROM audit_log WHERE seq = 3;`);
    expect(verifyAuditChain(database)).toMatchObject({ isValid: false, firstBadSeq: 4, reason: 'hash-mismatch' });
  });

  it('detects an inserted row with a correctly computed hash, at the row after it', () => {
    const forger = new AuditChain(database.sqlite);
    tamper('UPDATE audit_log SET seq = -seq WHERE seq > 3; ');
    // With rows 4..6 moved away, an honest append computes a valid row 4 on top of row 3.
    forger.transaction(() => forger.append({ ...entry(40), actor: 'mallory' }));
    database.sqlite.exec('UPDATE audit_log SET seq = -seq + 1 WHERE seq < 0');
    expect(verifyAuditChain(database)).toMatchObject({ isValid: false, firstBadSeq: 5, reason: 'broken-link' });
  });

  it('detects reordered rows', () => {
    tamper(`
      UPDATE audit_log SET seq = 100 WHERE seq = 2;
      UPDATE audit_log SET seq = 2 WHERE seq = 3;
      UPDATE audit_log SET seq = 3 WHERE seq = 100;`);
    expect(verifyAuditChain(database)).toMatchObject({ isValid: false, firstBadSeq: 2, reason: 'broken-link' });
  });

  it('accepts an empty log', () => {
    const empty = openTempDatabase('pki-audit-empty-');
    expect(verifyAuditChain(empty.database)).toEqual({ isValid: true, rowCount: 0, lastHash: GENESIS_PREV_HASH });
    empty.database.close();
    rmSync(empty.dataDir, { recursive: true, force: true });
  });
});

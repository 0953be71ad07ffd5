import { rmSync } from 'node:fs';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { DatabaseHandle } from '../../db/client.js';
import { openTempDatabase } from '../testing/temp-local-store.js';
import { AuditAppendQueue } from './append-queue.js';
import { AuditChain } from './chain.js';
import type { AuditEntry } from './chain.js';
import { verifyAuditChain } from './verify.js';

const CONCURRENT = 8;

function entry(index: number, entityId = `key-${index}`): AuditEntry {
  return {
    actor: 'alice',
    operation: 'kms.sign',
    entityType: 'kms_key',
    entityId,
    status: 'success',
    details: { index },
  };
}

describe('audit group commit', () => {
  let database: DatabaseHandle;
  let databasePath: string;
  let chain: AuditChain;
  let queue: AuditAppendQueue;
  let cleanup: () => void;

  beforeEach(() => {
    const temp = openTempDatabase('pki-audit-queue-');
    database = temp.database;
    databasePath = temp.databasePath;
    chain = new AuditChain(database.sqlite);
    queue = new AuditAppendQueue(chain);
    cleanup = () => {
      database.close();
      rmSync(temp.dataDir, { recursive: true, force: true });
    };
  });
  afterEach(() => cleanup());

  const rowCount = () => database.sqlite.prepare('SELECT count(*) FROM audit_log').pluck().get() as number;

  /** Frames SQLite wrote to the WAL since `resetWal`: each commit writes every page it changed. */
  const walFrames = () => (database.sqlite.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]?.log ?? -1;
  const resetWal = () => database.sqlite.pragma('wal_checkpoint(TRUNCATE)');

  it(`commits ${CONCURRENT} concurrent appends as one transaction: ${CONCURRENT} rows, one unbroken chain`, async () => {
    resetWal();
    await queue.append(entry(0));
    const framesOfOneCommit = walFrames();
    resetWal();

    const records = await Promise.all(Array.from({ length: CONCURRENT }, (_, index) => queue.append(entry(index + 1))));

    expect(records.map((record) => record.seq)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    records.slice(1).forEach((record, index) => expect(record.prevHash).toBe(records[index]?.hash));
    expect(verifyAuditChain(database)).toMatchObject({
      isValid: true,
      rowCount: CONCURRENT + 1,
      lastHash: records.at(-1)?.hash,
    });
    // Eight commits would write the changed pages eight times; one writes them once (plus a
    // table page or two more, since eight rows do not fit on one).
    expect(walFrames()).toBeLessThan(framesOfOneCommit * 2);
  });

  it('resolves a caller only once its row is committed: another connection already sees it', async () => {
    const reader = new Database(databasePath, { readonly: true });
    try {
      const seenByReader = (seq: number) =>
        reader.prepare('SELECT count(*) FROM audit_log WHERE seq = ?').pluck().get(seq);
      const pending = queue.append(entry(1));
      expect(queue.pendingCount).toBe(1);
      expect(seenByReader(1)).toBe(0);
      const record = await pending;
      expect(seenByReader(record.seq)).toBe(1);
    } finally {
      reader.close();
    }
  });

  it('commits a lone caller\'s row within the call, together with any rows already queued', async () => {
    const queued = queue.append(entry(1));
    expect(rowCount()).toBe(0);
    const alone = queue.append(entry(2), { isAlone: true });
    // Before any await: nobody else was coming, so nothing waited for a turn of the loop.
    expect(rowCount()).toBe(2);
    expect(queue.pendingCount).toBe(0);
    await expect(Promise.all([queued, alone])).resolves.toMatchObject([{ seq: 1 }, { seq: 2 }]);
    expect(verifyAuditChain(database)).toMatchObject({ isValid: true, rowCount: 2 });
  });

  it('queues a lone caller\'s row behind a transaction open on its connection', async () => {
    database.sqlite.exec('BEGIN IMMEDIATE');
    const pending = queue.append(entry(1), { isAlone: true });
    expect(queue.pendingCount).toBe(1);
    database.sqlite.exec('ROLLBACK');
    await expect(pending).resolves.toMatchObject({ seq: 1 });
    expect(rowCount()).toBe(1);
  });

  it('fails every caller of a failed batch and leaves none of its rows', async () => {
    await queue.append(entry(0));
    // A real SQLite failure in the middle of the batch: the third row's INSERT is refused.
    database.sqlite.exec(`CREATE TRIGGER refuse_poison BEFORE INSERT ON audit_log WHEN NEW.entity_id = 'poison'
      BEGIN SELECT RAISE(ABORT, 'poisoned row refused'); END`);

    const outcomes = await Promise.allSettled(
      [1, 2, 3, 4].map((index) => queue.append(entry(index, index === 3 ? 'poison' : `key-${index}`))),
    );

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    for (const outcome of outcomes) {
      expect(outcome.status === 'rejected' && String(outcome.reason)).toMatch(/poisoned row refused/);
    }
    expect(rowCount()).toBe(1);
    expect(verifyAuditChain(database)).toMatchObject({ isValid: true, rowCount: 1 });

    // The queue goes on afterwards: the next batch links to the last committed row.
    database.sqlite.exec('DROP TRIGGER refuse_poison');
    const next = await queue.append(entry(5));
    expect(next.seq).toBe(2);
    expect(verifyAuditChain(database)).toMatchObject({ isValid: true, rowCount: 2 });
  });

  it('refuses an entry JSON cannot carry alone, at append, without spoiling the batch', async () => {
    const outcomes = await Promise.allSettled([
      queue.append(entry(1)),
      queue.append({ ...entry(2), details: { ratio: Number.NaN } }),
      queue.append(entry(3)),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(rowCount()).toBe(2);
    expect(verifyAuditChain(database)).toMatchObject({ isValid: true, rowCount: 2 });
  });

  it('waits for an open transaction on its connection to end before committing', async () => {
    database.sqlite.exec('BEGIN IMMEDIATE');
    const pending = queue.append(entry(1));
    queue.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.pendingCount).toBe(1);
    database.sqlite.exec('ROLLBACK');
    await expect(pending).resolves.toMatchObject({ seq: 1 });
    expect(rowCount()).toBe(1);
  });

  it('flushes on demand, so a close loses no queued row', async () => {
    const pending = [queue.append(entry(1)), queue.append(entry(2))];
    queue.flush();
    expect(rowCount()).toBe(2);
    await expect(Promise.all(pending)).resolves.toHaveLength(2);
  });
});

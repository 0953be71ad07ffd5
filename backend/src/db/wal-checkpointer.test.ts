import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { capturingLogger, openTempDatabase, silentLogger } from '../../test/harness/temp-local-store.js';
import type { DatabaseHandle } from './client.js';
import { BACKSTOP_PAGES, startWalCheckpointer } from './wal-checkpointer.js';
import type { WalCheckpointer } from './wal-checkpointer.js';

/** The worker reports by message: poll for it, up to a bound a slow CI machine stays within. */
const WAIT = { timeout: 10_000, interval: 10 };

describe('WAL checkpointer', () => {
  let dataDir: string;
  let databasePath: string;
  let database: DatabaseHandle;
  let checkpointer: WalCheckpointer | undefined;

  beforeEach(() => {
    ({ dataDir, databasePath, database } = openTempDatabase('pki-checkpointer-'));
    database.sqlite.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
  });

  afterEach(async () => {
    await checkpointer?.stop();
    checkpointer = undefined;
    database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('copies committed pages into the database file from its own thread, and the app connection keeps only a backstop', async () => {
    const { log, lines } = capturingLogger();
    checkpointer = startWalCheckpointer(database, databasePath, log, { intervalMs: 20 });
    expect(database.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_PAGES);

    const sizeBefore = statSync(databasePath).size;
    const insert = database.sqlite.prepare('INSERT INTO filler (body) VALUES (?)');
    // ~4 MB in ~1000 commits: far below the backstop, so only the worker can move it.
    for (let index = 0; index < 1000; index += 1) insert.run(Buffer.alloc(4000, index % 256));
    const worker = checkpointer;
    await vi.waitUntil(() => statSync(databasePath).size >= sizeBefore + 4_000_000 && worker.checkpointCount > 0, WAIT);

    expect(database.sqlite.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(1000);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  });

  it('stops with a last checkpoint, so the database closes with its pages in the file', async () => {
    checkpointer = startWalCheckpointer(database, databasePath, silentLogger(), { intervalMs: 60_000 });
    database.sqlite.prepare('INSERT INTO filler (body) VALUES (?)').run(Buffer.alloc(100_000, 7));
    const sizeBefore = statSync(databasePath).size;
    await checkpointer.stop();
    checkpointer = undefined;
    expect(statSync(databasePath).size).toBeGreaterThan(sizeBefore + 90_000);
  });

  it('logs one error when it cannot work, and leaves checkpoints to the backstop', async () => {
    const { log, lines } = capturingLogger();
    checkpointer = startWalCheckpointer(database, join(dataDir, 'missing', 'pki.sqlite'), log, { intervalMs: 20 });
    await vi.waitUntil(() => lines.length > 0, WAIT);
    expect(lines).toMatchObject([
      { level: 50, msg: 'the WAL checkpointer failed; the automatic checkpoint takes over' },
    ]);
    expect(database.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_PAGES);
  });
});

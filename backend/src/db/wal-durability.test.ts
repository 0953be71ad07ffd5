import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fdatasync } from 'node:fs';
import { promisify } from 'node:util';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { WalDurability } from './wal-durability.js';

const realSync = promisify(fdatasync);

/** A real SQLite file in WAL mode under NORMAL; the real fdatasync, watched and held by the test. */
describe('WalDurability', () => {
  let dir: string;
  let sqlite: Database.Database;
  let syncs: number;
  let hold: Promise<void> | undefined;
  let failNext: Error | undefined;
  let durability: WalDurability;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pki-durability-'));
    const path = join(dir, 'pki.db');
    sqlite = new Database(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.exec('CREATE TABLE item (name TEXT)');
    syncs = 0;
    hold = undefined;
    failNext = undefined;
    durability = new WalDurability(sqlite, `${path}-wal`, async (fd) => {
      syncs += 1;
      await hold;
      if (failNext !== undefined) {
        const error = failNext;
        failNext = undefined;
        throw error;
      }
      await realSync(fd);
    });
  });

  afterEach(() => {
    durability.close();
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string) => sqlite.prepare('INSERT INTO item (name) VALUES (?)').run(name);
  const gate = () => {
    let open!: () => void;
    hold = new Promise<void>((resolve) => (open = resolve));
    return open;
  };
  const settled = async (promise: Promise<unknown>) => {
    let isSettled = false;
    void promise.then(
      () => (isSettled = true),
      () => (isSettled = true),
    );
    await new Promise((resolve) => setImmediate(resolve));
    return isSettled;
  };

  it('asks the disk for nothing when nothing was written since the last sync', async () => {
    await durability.whenDurable();
    write('a');
    await durability.whenDurable();
    expect(syncs).toBe(1);
    await durability.whenDurable();
    await durability.whenDurable();
    expect(syncs).toBe(1);
  });

  it('resolves only after the fdatasync that covers the commit has returned', async () => {
    const release = gate();
    write('a');
    const durable = durability.whenDurable();
    expect(await settled(durable)).toBe(false);
    release();
    await durable;
    expect(syncs).toBe(1);
  });

  it('lets concurrent commits share one sync, and syncs again for a commit made while one ran', async () => {
    const release = gate();
    write('a');
    write('b');
    const first = [durability.whenDurable(), durability.whenDurable()];
    // Committed after the running sync began: that sync may not cover it.
    write('c');
    const second = [durability.whenDurable(), durability.whenDurable(), durability.whenDurable()];
    expect(await settled(Promise.all(first))).toBe(false);
    release();
    hold = undefined;
    await Promise.all([...first, ...second]);
    expect(syncs).toBe(2);
  });

  it('rejects the waiters of a failed sync, and the next call syncs again', async () => {
    write('a');
    failNext = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    await expect(durability.whenDurable()).rejects.toMatchObject({ code: 'EIO' });
    await durability.whenDurable();
    expect(syncs).toBe(2);
  });

  it('waits for nothing once closed (close itself syncs what is left)', async () => {
    write('a');
    durability.close();
    await durability.whenDurable();
    expect(syncs).toBe(0);
  });
});

import { rmSync } from 'node:fs';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { openTempDatabase } from '../../test/harness/temp-local-store.js';
import { GroupCommit } from './group-commit.js';

/**
 * A real SQLite file in WAL mode, judged from a second connection: what that connection
 * sees is what was committed.
 */
describe('GroupCommit', () => {
  let dataDir: string;
  let databasePath: string;
  let writer: Database.Database;
  let reader: Database.Database;
  let closeDatabase: () => void;

  beforeEach(() => {
    const temp = openTempDatabase('pki-group-commit-');
    ({ dataDir, databasePath } = temp);
    writer = temp.database.sqlite;
    closeDatabase = temp.database.close;
    writer.exec(`
      CREATE TABLE parent (id INTEGER PRIMARY KEY);
      CREATE TABLE item (
        name TEXT PRIMARY KEY,
        parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED
      );
      CREATE TABLE item_audit (name TEXT NOT NULL);
      INSERT INTO parent (id) VALUES (1);
    `);
    reader = new Database(databasePath, { readonly: true });
  });

  afterEach(() => {
    reader.close();
    closeDatabase();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const committedNames = (table: 'item' | 'item_audit') =>
    (reader.prepare(`SELECT name FROM ${table} ORDER BY rowid`).all() as { name: string }[]).map((row) => row.name);
  const insertItem =
    (name: string, parentId = 1) =>
    () => {
      writer.prepare('INSERT INTO item (name, parent_id) VALUES (?, ?)').run(name, parentId);
      writer.prepare('INSERT INTO item_audit (name) VALUES (?)').run(name);
      return name;
    };

  it('commits concurrent writes in one transaction, in call order, before any caller resumes', async () => {
    const group = new GroupCommit(writer);
    const visibleToOthersDuringWrites: string[][] = [];
    const seenOnResume: string[][] = [];
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((name) =>
        group
          .run(() => {
            visibleToOthersDuringWrites.push(committedNames('item'));
            return insertItem(name)();
          })
          .then((value) => {
            seenOnResume.push(committedNames('item'));
            return value;
          }),
      ),
    );
    expect(results).toEqual(['a', 'b', 'c', 'd']);
    // While "d" is written, "a".."c" are not committed yet: all four share one transaction.
    expect(visibleToOthersDuringWrites).toEqual([[], [], [], []]);
    // And the first caller to resume already sees all four.
    expect(seenOnResume[0]).toEqual(['a', 'b', 'c', 'd']);
    expect(committedNames('item_audit')).toEqual(['a', 'b', 'c', 'd']);
    expect(group.pendingCount).toBe(0);
  });

  it('a write that throws rolls back its own rows and fails only its caller', async () => {
    const group = new GroupCommit(writer);
    const outcomes = await Promise.allSettled([
      group.run(insertItem('first')),
      group.run(() => {
        insertItem('doomed')();
        throw new Error('serial collision');
      }),
      group.run(insertItem('first')), // a primary key violation
      group.run(insertItem('last')),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'serial collision' });
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect(committedNames('item')).toEqual(['first', 'last']);
    expect(committedNames('item_audit')).toEqual(['first', 'last']);
  });

  it('when the transaction fails, every waiter gets the error and none of the batch is written', async () => {
    const group = new GroupCommit(writer);
    // The orphan passes its savepoint (the foreign key is deferred) and fails the COMMIT.
    const outcomes = await Promise.allSettled([
      group.run(insertItem('one')),
      group.run(insertItem('orphan', 99)),
      group.run(insertItem('three')),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const outcome of outcomes) {
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    }
    expect(committedNames('item')).toEqual([]);
    expect(committedNames('item_audit')).toEqual([]);
    expect(writer.inTransaction).toBe(false);

    // The next batch is unaffected.
    await group.run(insertItem('after'));
    expect(committedNames('item')).toEqual(['after']);
  });

  it('when the write lock cannot be had, every waiter gets SQLITE_BUSY and nothing is written', async () => {
    const other = new Database(databasePath);
    other.exec('BEGIN IMMEDIATE');
    writer.pragma('busy_timeout = 0');
    try {
      const group = new GroupCommit(writer);
      const outcomes = await Promise.allSettled([group.run(insertItem('x')), group.run(insertItem('y'))]);
      expect(outcomes.map((outcome) => (outcome as PromiseRejectedResult).reason?.code)).toEqual([
        'SQLITE_BUSY',
        'SQLITE_BUSY',
      ]);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(committedNames('item')).toEqual([]);
  });

  it("a flush inside someone else's transaction waits for it instead of joining it", async () => {
    const group = new GroupCommit(writer);
    const queued = group.run(insertItem('queued'));
    writer.transaction(() => {
      writer.prepare('INSERT INTO item (name, parent_id) VALUES (?, 1)').run('outer');
      group.flush();
      expect(group.pendingCount).toBe(1);
    })();
    await expect(queued).resolves.toBe('queued');
    expect(committedNames('item')).toEqual(['outer', 'queued']);
  });

  it('commits a lone caller within the call, together with the writes already queued', async () => {
    const group = new GroupCommit(writer);
    const queued = group.run(insertItem('queued'));
    expect(committedNames('item')).toEqual([]);
    const alone = group.run(insertItem('alone'), { isAlone: true });
    // Before any await: nobody else was coming, so nothing waited for a turn of the loop.
    expect(committedNames('item')).toEqual(['queued', 'alone']);
    expect(group.pendingCount).toBe(0);
    await expect(Promise.all([queued, alone])).resolves.toEqual(['queued', 'alone']);
  });

  it('queues a lone caller behind a transaction open on its connection', async () => {
    const group = new GroupCommit(writer);
    let alone: Promise<string> | undefined;
    writer.transaction(() => {
      writer.prepare('INSERT INTO item (name, parent_id) VALUES (?, 1)').run('outer');
      alone = group.run(insertItem('alone'), { isAlone: true });
      expect(group.pendingCount).toBe(1);
    })();
    await expect(alone).resolves.toBe('alone');
    expect(committedNames('item')).toEqual(['outer', 'alone']);
  });

  it('flush commits what is queued at once, so a caller can close the database after it', async () => {
    const group = new GroupCommit(writer);
    const queued = group.run(insertItem('before-close'));
    group.flush();
    expect(committedNames('item')).toEqual(['before-close']);
    await expect(queued).resolves.toBe('before-close');
  });
});

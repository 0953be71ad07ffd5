/**
 * Opens the SQLite database with the pragmas a CA needs: WAL so readers never block the
 * writer, foreign keys enforced, a busy timeout so a second writer waits instead of
 * failing, and checkpoints sized for an append-heavy audit log.
 *
 * Durability: in WAL mode `synchronous=NORMAL` alone survives a process crash but not a
 * power loss (the WAL is fsync'd only at checkpoints). `FULL` fsyncs the WAL inside every
 * COMMIT, on the event loop. The connection runs NORMAL and `durability` (wal-durability.ts)
 * does FULL's sync of the WAL on the thread pool, shared by concurrent commits, before any
 * reply or audit sink record leaves the process. Where WAL is not in use (`:memory:`)
 * the connection stays on FULL and has nothing to wait for.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';

import * as schema from './schema.js';
import { ALREADY_DURABLE, WalDurability } from './wal-durability.js';
import type { Durability } from './wal-durability.js';

export type AppDatabase = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface DatabaseHandle {
  db: AppDatabase;
  sqlite: Database.Database;
  /** Resolves once every commit made so far is on disk (see the header). */
  whenDurable(): Promise<void>;
  close(): void;
}

export function openDatabase(path: string): DatabaseHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  const journalMode = sqlite.pragma('journal_mode = WAL', { simple: true });
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const isWal = journalMode === 'wal';
  sqlite.pragma(isWal ? 'synchronous = NORMAL' : 'synchronous = FULL');
  const durability: Durability = isWal ? new WalDurability(sqlite, `${path}-wal`) : ALREADY_DURABLE;
  // Checkpoint every 8000 WAL pages (~32 MB) instead of SQLite's 1000. Appends rewrite the
  // same right-edge pages commit after commit; a checkpoint copies each page once however
  // often it was rewritten, so fewer, larger checkpoints cost less per commit.
  sqlite.pragma('wal_autocheckpoint = 8000');
  // After a checkpoint resets the WAL, cut the file back if a long reader let it grow far past that.
  sqlite.pragma('journal_size_limit = 67108864');
  const db: AppDatabase = drizzle({ client: sqlite, schema });
  return {
    db,
    sqlite,
    whenDurable: () => durability.whenDurable(),
    close: () => {
      if (!sqlite.open) return;
      durability.close();
      sqlite.close();
    },
  };
}

/** A cheap query proving the file is open and readable. */
export function checkDatabase(handle: DatabaseHandle): { isHealthy: boolean; detail?: string } {
  try {
    handle.sqlite.prepare('SELECT 1').get();
    return { isHealthy: true };
  } catch (error) {
    return { isHealthy: false, detail: `database query failed: ${(error as Error).message}` };
  }
}

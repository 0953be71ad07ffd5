/**
 * Durable before acknowledged, without an fsync on the event loop.
 *
 * In WAL mode SQLite writes a transaction's pages to the `-wal` file before COMMIT returns,
 * with `synchronous=FULL` and `NORMAL` alike; the only difference is that FULL then fsyncs
 * the WAL inside COMMIT. better-sqlite3 runs COMMIT on the main thread, so under FULL every
 * request waits while the disk syncs. Here the connection runs `NORMAL` and this module makes
 * up the difference: `whenDurable()` fdatasyncs the WAL on libuv's thread pool — the sync
 * FULL would have done, on the same file, after the same writes — and resolves once every
 * commit made before the call is on disk. Concurrent callers share one sync.
 *
 * Why that is equivalent to FULL for what anyone outside the process is told:
 * - every HTTP reply waits for `whenDurable()` before it is sent (an onSend hook in app.ts):
 *   the writer's acknowledgment and a reader's answer (an OCSP status, a CRL) alike;
 * - the audit sinks ship only rows that are durable (audit/sinks/audit-sinks.ts);
 * - a commit is visible inside the process for the length of one fdatasync before it is on
 *   disk, and survives a crash of the process already (it is in the WAL file); nothing of it
 *   leaves the process before it is durable, so a power loss can only take back what no one
 *   was told. One issuance commits more than once (its signature's row, then the
 *   certificate) and waits for one sync, at its reply;
 * - checkpoints sync the WAL before copying it and the database after, under NORMAL too,
 *   and SQLite syncs the WAL header when it restarts the WAL (wal.c), so a restart cannot
 *   lose frames this module has synced.
 *
 * "Every commit" is counted with `total_changes()` of the connection: any write on it, through
 * the audit log or not, is covered by the next sync. An fdatasync that fails (EIO) rejects its
 * waiters; the next call tries again.
 */
import { closeSync, fdatasync, fdatasyncSync, open, openSync } from 'node:fs';
import { promisify } from 'node:util';

import type Database from 'better-sqlite3';

export interface Durability {
  /** Resolves once every commit made on the connection before the call is on disk. */
  whenDurable(): Promise<void>;
  /** Syncs what is left and releases the file; call before the connection closes. */
  close(): void;
}

/** For a database whose commits are durable when COMMIT returns (`:memory:` has nothing to sync). */
export const ALREADY_DURABLE: Durability = {
  whenDurable: () => Promise.resolve(),
  close: () => undefined,
};

const RESOLVED = Promise.resolve();
const openFile = promisify(open);
const syncWal = promisify(fdatasync);

export class WalDurability implements Durability {
  readonly #walPath: string;
  readonly #syncFile: (fd: number) => Promise<void>;
  readonly #sqlite: Database.Database;
  readonly #changes: Database.Statement<[], number>;
  #fd: number | undefined;
  /** `total_changes()` when the last successful sync began: everything up to it is on disk. */
  #synced = 0;
  #running: Promise<void> | undefined;
  #isClosed = false;

  /** `syncFile` is fdatasync; tests wrap it to watch and hold the syncs. */
  constructor(sqlite: Database.Database, walPath: string, syncFile: (fd: number) => Promise<void> = syncWal) {
    this.#walPath = walPath;
    this.#syncFile = syncFile;
    this.#sqlite = sqlite;
    this.#changes = sqlite.prepare<[], number>('SELECT total_changes()').pluck();
    this.#synced = this.#changes.get() ?? 0;
  }

  whenDurable(): Promise<void> {
    // A connection closed by SQLite itself checkpointed and synced what it had.
    if (this.#isClosed || !this.#sqlite.open) return RESOLVED;
    const target = this.#changes.get() ?? 0;
    // Most replies (reads) find nothing new since the last sync.
    if (target <= this.#synced) return RESOLVED;
    return this.#syncThrough(target);
  }

  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    const hasUnsynced = this.#sqlite.open && (this.#changes.get() ?? 0) > this.#synced;
    const fd = this.#fd ?? (hasUnsynced ? openSync(this.#walPath, 'r') : undefined);
    if (fd === undefined) return;
    if (hasUnsynced) fdatasyncSync(fd);
    // A sync still running on the thread pool holds the descriptor: close it after that one.
    if (this.#running === undefined) closeSync(fd);
    else void this.#running.catch(() => undefined).finally(() => closeSync(fd));
  }

  async #syncThrough(target: number): Promise<void> {
    while (this.#synced < target && !this.#isClosed && this.#sqlite.open) {
      // A sync already running may have begun before `target` was committed: wait for it,
      // then start the next one (which the other waiters then share).
      this.#running ??= this.#syncOnce().finally(() => {
        this.#running = undefined;
      });
      await this.#running;
    }
  }

  async #syncOnce(): Promise<void> {
    if (!this.#sqlite.open) return;
    const covers = this.#changes.get() ?? 0;
    // Opened on first use: the WAL exists once anything was written.
    if (this.#fd === undefined) {
      const fd = await openFile(this.#walPath, 'r');
      // close() ran meanwhile and synced by itself.
      if (this.#isClosed) return closeSync(fd);
      this.#fd = fd;
    }
    await this.#syncFile(this.#fd);
    this.#synced = Math.max(this.#synced, covers);
  }
}

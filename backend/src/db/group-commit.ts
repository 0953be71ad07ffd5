/**
 * Group commit for the writes of one connection, used by the audit log (audit/audit-log.ts)
 * alone: every audited operation's rows (a signature's row, a certificate row and its
 * issuance row) reach the disk through it. A commit costs far more than the
 * rows it carries: each B-tree page a row touches is written to the WAL again at every
 * commit. Writes queued while the event loop does other work (the signatures of concurrent
 * issuances come back from the thread pool together) run in ONE immediate transaction on
 * the next turn of the loop, so they share those page writes.
 *
 * Waiting only pays when there is someone to wait for: a caller that knows no other write
 * is on its way (`isAlone`: the audit log has no other operation in progress) is committed
 * at once, in the call, together with whatever is already queued.
 *
 * What each caller keeps:
 * - its promise settles only after the transaction holding its write has committed (or
 *   failed). Committed is crash-safe; on disk across a power loss is wal-durability.ts's
 *   business, which every exit (an HTTP reply, an audit sink) waits for;
 * - if its write throws (a serial collision), its rows are gone and only its promise
 *   rejects: the batch is rolled back and the other writes run again in a new one. A
 *   savepoint per write would give the same result but costs 30–50 µs per write on every
 *   batch, to save work only on a failure that practically never happens;
 * - if the transaction itself fails (BEGIN, a deferred constraint or the COMMIT), every
 *   waiter of the batch gets the error and none of the batch's rows exists.
 *
 * So a write must be database work on this connection and nothing else: it may run twice,
 * the first run rolled back. Writes run in the order `run` was called, so audit rows take
 * `seq` in that order.
 */
import type Database from 'better-sqlite3';

interface Waiter {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Thrown inside the batch's transaction to roll it back when one write fails; never leaves this file. */
class WriteFailed extends Error {
  constructor(
    readonly index: number,
    readonly error: unknown,
  ) {
    super(`write ${index} of the batch failed`);
  }
}

/** Bounds one transaction's work, and so its time holding the write lock, under a burst. */
const MAX_BATCH_WRITES = 256;

export class GroupCommit {
  readonly #sqlite: Database.Database;
  readonly #runBatch: Database.Transaction<(batch: readonly Waiter[]) => unknown[]>;
  #waiting: Waiter[] = [];
  #flushTimer: NodeJS.Immediate | undefined;

  constructor(sqlite: Database.Database) {
    this.#sqlite = sqlite;
    this.#runBatch = sqlite.transaction((batch: readonly Waiter[]) =>
      batch.map((waiter, index) => {
        try {
          return waiter.write();
        } catch (error) {
          throw new WriteFailed(index, error);
        }
      }),
    );
  }

  /**
   * Queues `write` (synchronous database work on this connection) for the next group
   * commit; resolves with its result once committed. With `isAlone`, commits before returning.
   */
  run<T>(write: () => T, options: { isAlone?: boolean } = {}): Promise<T> {
    const committed = new Promise<T>((resolve, reject) => {
      this.#waiting.push({ write, resolve: resolve as (value: unknown) => void, reject });
    });
    // flush itself waits for a turn of the loop when someone's transaction is open.
    if (options.isAlone === true) this.flush();
    else this.#flushTimer ??= setImmediate(() => this.flush());
    return committed;
  }

  /** Writes queued and not yet committed. */
  get pendingCount(): number {
    return this.#waiting.length;
  }

  /** Commits what is queued now (also the scheduled path); close the database only after it. */
  flush(): void {
    if (this.#flushTimer !== undefined) {
      clearImmediate(this.#flushTimer);
      this.#flushTimer = undefined;
    }
    // Inside someone's open transaction our writes would commit or roll back with theirs:
    // wait for it to end, so "resolved" keeps meaning "committed".
    if (this.#sqlite.inTransaction) {
      if (this.#waiting.length > 0) this.#flushTimer = setImmediate(() => this.flush());
      return;
    }
    while (this.#waiting.length > 0) {
      let batch = this.#waiting.splice(0, MAX_BATCH_WRITES);
      while (batch.length > 0) batch = this.#commit(batch);
    }
  }

  /** Commits the batch, or settles its failed write and returns the writes to run again. */
  #commit(batch: Waiter[]): Waiter[] {
    let results: unknown[];
    try {
      results = this.#runBatch.immediate(batch);
    } catch (error) {
      if (!(error instanceof WriteFailed)) {
        for (const waiter of batch) waiter.reject(error);
        return [];
      }
      batch[error.index]?.reject(error.error);
      return batch.filter((_, index) => index !== error.index);
    }
    batch.forEach((waiter, index) => waiter.resolve(results[index]));
    return [];
  }
}

/**
 * Group commit for audit rows that stand alone (a signature's row has no domain row). The
 * cost of an append is mostly its commit: every B-tree page the row touches is written to
 * the WAL again at each commit. Rows queued while the event loop handles other work (eight
 * signatures of concurrent issuances, answers of a remote key store arriving together) are
 * written by ONE immediate transaction on the next turn of the loop, so they share those
 * page writes.
 *
 * What each caller keeps: its promise resolves only after the transaction holding its row
 * has committed, so a signature is never handed out before its row is durable. A batch
 * commits or rolls back as a whole: if the transaction fails, every waiting caller gets the
 * error and none of the batch's rows exists. An entry that cannot be encoded (details JSON
 * cannot carry) is refused at `append`, alone, before it can spoil a batch.
 *
 * Waiting only pays when there is someone to wait for. A caller that knows no other append
 * is on its way (`isAlone`: the only signature in progress) has its row committed at once,
 * in the call, which saves a turn of the event loop; rows already queued go with it.
 *
 * Order: rows take `seq` in the order `append` was called. Operations that write domain rows
 * (key generation, revocation, destruction) keep their own transaction through AuditChain.
 */
import { prepareAuditEntry } from './chain.js';
import type { AuditChain, AuditEntry, AuditRecord, PreparedAuditEntry } from './chain.js';

interface Waiter {
  entry: PreparedAuditEntry;
  resolve: (record: AuditRecord) => void;
  reject: (error: unknown) => void;
}

/** Bounds one transaction's work (and its time holding the write lock) under a burst. */
const MAX_BATCH_ROWS = 256;

export class AuditAppendQueue {
  readonly #chain: AuditChain;
  #waiting: Waiter[] = [];
  #flushTimer: NodeJS.Immediate | undefined;

  constructor(chain: AuditChain) {
    this.#chain = chain;
  }

  /**
   * Resolves with the row once it is committed; rejects if its transaction failed. With
   * `isAlone`, the commit happens before this returns (unless a transaction of someone
   * else's is open on the connection: then the row waits for the next turn like the others).
   */
  async append(entry: AuditEntry, options: { isAlone?: boolean } = {}): Promise<AuditRecord> {
    const prepared = prepareAuditEntry(entry);
    const committed = new Promise<AuditRecord>((resolve, reject) => {
      this.#waiting.push({ entry: prepared, resolve, reject });
    });
    if (options.isAlone === true && !this.#chain.isInTransaction) this.flush();
    else this.#flushTimer ??= setImmediate(() => this.flush());
    return committed;
  }

  /** Rows queued and not yet committed. */
  get pendingCount(): number {
    return this.#waiting.length;
  }

  /** Commits what is queued now (also the scheduled path); `close` calls it before the database goes. */
  flush(): void {
    if (this.#flushTimer !== undefined) {
      clearImmediate(this.#flushTimer);
      this.#flushTimer = undefined;
    }
    // Inside someone's open transaction our rows would commit (or roll back) with theirs:
    // wait for it to end, so "resolved" keeps meaning "committed".
    if (this.#chain.isInTransaction) {
      if (this.#waiting.length > 0) this.#flushTimer = setImmediate(() => this.flush());
      return;
    }
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, MAX_BATCH_ROWS);
      let records: AuditRecord[];
      try {
        records = this.#chain.transaction(() => this.#chain.appendPrepared(batch.map((waiter) => waiter.entry)));
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
        continue;
      }
      batch.forEach((waiter, index) => {
        const record = records[index];
        if (record === undefined) waiter.reject(new Error('audit batch wrote fewer rows than it was given'));
        else waiter.resolve(record);
      });
    }
  }
}

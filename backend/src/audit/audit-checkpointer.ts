/**
 * Signs checkpoints on a cadence (docs/AUDIT.md §5): after every `rows` rows, and every
 * `intervalMs` when rows were added, the tip's `seq` and `hash` are signed by the audit
 * signer and recorded as an `audit.checkpoint` row by `system:audit`. Driven by
 * `AuditLog.onCommitted`, so no writer needs to know. Rows the checkpointer causes itself
 * (its `kms.sign` and checkpoint rows, all by `system:audit`) do not count, or every
 * checkpoint would call for the next.
 *
 * It also signs the checkpoint that ends an export, and refuses to when the log's tip lies
 * below a row that was already issued or signed: a log whose tail was removed must not
 * receive a fresh signature that would make the shortened log look complete.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';

import { ConflictError } from '../errors.js';
import { systemContext } from '../request-context.js';
import type { RequestContext } from '../request-context.js';
import type { AuditLog } from './audit-log.js';
import type { AuditRecord } from './chain.js';
import { CHECKPOINT_ENTITY, CHECKPOINT_OPERATION, signCheckpoint } from './checkpoint.js';
import type { AuditSigner, Checkpoint } from './checkpoint.js';

export const CHECKPOINT_COMPONENT = 'audit';
export const CHECKPOINT_ACTOR = `system:${CHECKPOINT_COMPONENT}`;

export interface CheckpointCadence {
  /** Sign after this many rows; undefined: never by count. */
  rows: number | undefined;
  /** Sign this often when rows were added; undefined: never by time. */
  intervalMs: number | undefined;
}

export interface AuditCheckpointerOptions {
  audit: AuditLog;
  sqlite: Database.Database;
  signer: () => Promise<AuditSigner>;
  cadence: CheckpointCadence;
  log: Logger;
  now?: () => Date;
}

interface Tip {
  seq: number;
  hash: string;
}

export class AuditCheckpointer {
  readonly #options: AuditCheckpointerOptions;
  readonly #selectTip: Database.Statement<[], Tip>;
  readonly #selectIssued: Database.Statement<[], { seq: number }>;
  readonly #now: () => Date;
  /** Rows committed by others since the last checkpoint began. */
  #pending = 0;
  #highestSignedSeq = 0;
  #running: Promise<void> | undefined;
  #isAgain = false;
  #timer: NodeJS.Timeout | undefined;
  #isClosed = false;

  constructor(options: AuditCheckpointerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#selectTip = options.sqlite.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.#selectIssued = options.sqlite.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'");
  }

  /** Listens to commits and starts the interval timer, as the cadence asks. */
  start(): void {
    const { rows, intervalMs } = this.#options.cadence;
    if (rows !== undefined || intervalMs !== undefined) {
      this.#pending = this.#uncoveredRows(rows ?? 1);
      this.#options.audit.onCommitted((committed) => this.#counted(committed));
      if (rows !== undefined && this.#pending >= rows) this.#schedule();
    }
    if (intervalMs !== undefined) {
      this.#timer = setInterval(() => {
        if (this.#pending > 0) this.#schedule();
      }, intervalMs);
      this.#timer.unref();
    }
  }

  /** Signs and records a checkpoint over the tip now; resolves when recorded (undefined for an empty log). */
  async checkpointNow(ctx: RequestContext = systemContext(CHECKPOINT_COMPONENT)): Promise<Checkpoint | undefined> {
    const tip = this.#selectTip.get();
    if (tip === undefined) return undefined;
    const counted = this.#pending;
    const checkpoint = await this.#sign(ctx, tip);
    const { statement: _statement, ...details } = checkpoint;
    await this.#options.audit.record(ctx, {
      operation: CHECKPOINT_OPERATION,
      entityType: CHECKPOINT_ENTITY,
      entityId: String(tip.seq),
      status: 'success',
      details,
    });
    this.#pending = Math.max(0, this.#pending - counted);
    return checkpoint;
  }

  /**
   * The checkpoint that ends an export, over its last row (not recorded as a checkpoint row:
   * the export records it). Refuses when rows were removed from the end of the log.
   */
  async signExportEnd(ctx: RequestContext, last: Tip): Promise<Checkpoint> {
    const tipSeq = this.#selectTip.get()?.seq ?? 0;
    const issuedSeq = this.#selectIssued.get()?.seq ?? 0;
    const expectedSeq = Math.max(issuedSeq, this.#highestSignedSeq);
    if (tipSeq < expectedSeq) {
      throw new ConflictError(
        `the audit log ends at row ${tipSeq}, but row ${expectedSeq} was written: rows were removed from the end, so no checkpoint is signed`,
        { code: 'AUDIT_LOG_TRUNCATED' },
      );
    }
    return this.#sign(ctx, last);
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    clearInterval(this.#timer);
    await this.#running;
  }

  async #sign(ctx: RequestContext, covered: Tip): Promise<Checkpoint> {
    const signer = await this.#options.signer();
    const checkpoint = await signCheckpoint(ctx, signer, covered, this.#now());
    this.#highestSignedSeq = Math.max(this.#highestSignedSeq, covered.seq);
    return checkpoint;
  }

  /** Rows by others after the last recorded checkpoint (before a restart), counted up to `limit`. */
  #uncoveredRows(limit: number): number {
    const { sqlite } = this.#options;
    // The operation term of the partial index (migration 0006) lets SQLite use it.
    const lastCheckpointSeq =
      (sqlite
        .prepare("SELECT max(seq) FROM audit_log WHERE operation = ? AND operation <> 'kms.sign'")
        .pluck()
        .get(CHECKPOINT_OPERATION) as number | null) ?? 0;
    return sqlite
      .prepare('SELECT count(*) FROM (SELECT 1 FROM audit_log WHERE seq > ? AND actor <> ? LIMIT ?)')
      .pluck()
      .get(lastCheckpointSeq, CHECKPOINT_ACTOR, limit) as number;
  }

  #counted(rows: readonly AuditRecord[]): void {
    for (const row of rows) if (row.actor !== CHECKPOINT_ACTOR) this.#pending += 1;
    const threshold = this.#options.cadence.rows;
    if (threshold !== undefined && this.#pending >= threshold) this.#schedule();
  }

  /** One checkpoint at a time; a request during one runs once more after it. */
  #schedule(): void {
    if (this.#isClosed) return;
    if (this.#running !== undefined) {
      this.#isAgain = true;
      return;
    }
    this.#running = (async () => {
      // Not on the committing caller's turn (AuditLog's listener contract).
      await new Promise((resolve) => setImmediate(resolve));
      do {
        this.#isAgain = false;
        try {
          await this.checkpointNow();
        } catch (error) {
          this.#options.log.error({ err: error }, 'could not sign an audit checkpoint; the next one will be tried');
        }
      } while (this.#isAgain && !this.#isClosed && this.#isDue());
    })().finally(() => {
      this.#running = undefined;
    });
  }

  #isDue(): boolean {
    const threshold = this.#options.cadence.rows;
    return threshold !== undefined && this.#pending >= threshold;
  }
}

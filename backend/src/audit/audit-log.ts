/**
 * The one way to write an audit row. A service records an operation together with its
 * domain writes:
 *
 *     return audit.run(ctx, { operation: 'certificate.issue', entityType: 'certificate' }, async (step) => {
 *       …work that may throw…
 *       return step.commit(certificateId, () => certificates.insert(row));
 *     });
 *
 * `commit` runs the domain writes and appends the success row in one transaction and
 * resolves once that transaction is durable; if the work throws before committing, `run`
 * appends a failure row with the error's code and message and rethrows. A lone row with no
 * domain write (a sign-in, a refused request) is `record`.
 *
 * How rows reach the disk is this module's business: writes of concurrent requests share
 * one transaction (db/group-commit.ts), which costs far less than one commit each. A write
 * waits for the next turn of the event loop only when another operation is in progress
 * whose rows could share the commit; otherwise it commits at once.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type Database from 'better-sqlite3';
import type { Logger } from 'pino';

import type { AuditStatus } from '@pki/shared';

import type { DatabaseHandle } from '../db/client.js';
import { GroupCommit } from '../db/group-commit.js';
import type { RequestContext } from '../request-context.js';
import { AuditChain } from './chain.js';
import type { AuditEntry, AuditRecord } from './chain.js';
import { verifyAuditChain } from './verify.js';
import type { AuditChainVerification } from './verify.js';

/** What a row is about. */
export interface AuditSubject {
  /** Dotted verb, e.g. `kms.sign`, `ca.createRoot`, `auth.signIn`. */
  operation: string;
  entityType: string;
  entityId?: string | null;
  /** JSON values only; never key material or secrets. */
  details?: Record<string, unknown>;
}

export interface AuditRow extends AuditSubject {
  status: AuditStatus;
}

export interface AuditRunOptions {
  /**
   * Key operations carry their operation id as `kms_operation_id`, so the rows of one key
   * operation (a failed generation and its compensation) can be found together.
   */
  isKeyOperation?: boolean;
}

/** How an operation reaches the chain; AuditLog is the only implementation. */
interface OperationSink {
  write<T>(work: () => T): Promise<T>;
  append(entry: AuditEntry): void;
  release(): void;
  reportUnwritten(operation: string, operationId: string, error: unknown): void;
}

/** An error's stored message is cut here: enough to read, not a dump of a vendor answer. */
const AUDITED_MESSAGE_LIMIT = 300;

/**
 * One operation in progress. Its `details` are what the row will carry; fill them in as the
 * work learns things (the key's reference, the serial).
 */
export class AuditedOperation {
  /** Unique per operation; the `kms_operation_id` of key operations. */
  readonly id = randomUUID();
  readonly details: Record<string, unknown>;
  entityId: string | null;
  readonly #startedAt = performance.now();
  readonly #sink: OperationSink;
  readonly #ctx: RequestContext;
  readonly #subject: AuditSubject;
  readonly #isKeyOperation: boolean;
  #isFinished = false;

  /** Built by AuditLog.begin. */
  constructor(sink: OperationSink, ctx: RequestContext, subject: AuditSubject, options: AuditRunOptions) {
    this.#sink = sink;
    this.#ctx = ctx;
    this.#subject = subject;
    this.#isKeyOperation = options.isKeyOperation === true;
    this.details = { ...subject.details };
    this.entityId = subject.entityId ?? null;
  }

  get operation(): string {
    return this.#subject.operation;
  }

  get isFinished(): boolean {
    return this.#isFinished;
  }

  /** Milliseconds since the operation began, to the microsecond. */
  elapsedMs(): number {
    return Math.round((performance.now() - this.#startedAt) * 1000) / 1000;
  }

  /**
   * Runs `write` (synchronous repository work on this database; it may run twice, the first
   * run rolled back) and appends the success row in one transaction; resolves with its
   * result once committed. If `write` throws, nothing of it is written and the promise
   * rejects; the operation is then still open for `fail`.
   */
  async commit<T>(entityId: string | null, write?: () => T, also: readonly AuditRow[] = []): Promise<T> {
    this.#requireOpen();
    this.entityId = entityId;
    this.#isFinished = true;
    try {
      return await this.#sink.write(() => {
        const result = write?.() as T;
        this.#sink.append(this.#entry('success'));
        for (const row of also) this.#sink.append(this.#otherEntry(row));
        return result;
      });
    } catch (error) {
      this.#isFinished = false;
      throw error;
    } finally {
      if (this.#isFinished) this.#sink.release();
    }
  }

  /**
   * Appends the failure row (the error's code and message, and any `also` rows in the same
   * transaction) and returns the error, for `throw await step.fail(error)`. Never throws:
   * a row that cannot be written is logged, and must not hide the error that caused it.
   */
  async fail(error: unknown, also: readonly AuditRow[] = []): Promise<unknown> {
    if (this.#isFinished) return error;
    this.#isFinished = true;
    Object.assign(this.details, auditedError(error));
    try {
      await this.#sink.write(() => {
        this.#sink.append(this.#entry('failure'));
        for (const row of also) this.#sink.append(this.#otherEntry(row));
      });
    } catch (auditError) {
      this.#sink.reportUnwritten(this.#subject.operation, this.id, auditError);
    } finally {
      this.#sink.release();
    }
    return error;
  }

  #entry(status: AuditStatus): AuditEntry {
    return {
      actor: this.#ctx.actor,
      requestId: this.#ctx.requestId,
      operation: this.#subject.operation,
      entityType: this.#subject.entityType,
      entityId: this.entityId,
      status,
      details: this.details,
      kmsOperationId: this.#isKeyOperation ? this.id : null,
    };
  }

  #otherEntry(row: AuditRow): AuditEntry {
    return {
      actor: this.#ctx.actor,
      requestId: this.#ctx.requestId,
      operation: row.operation,
      entityType: row.entityType,
      entityId: row.entityId ?? null,
      status: row.status,
      details: row.details ?? {},
      kmsOperationId: this.#isKeyOperation ? this.id : null,
    };
  }

  #requireOpen(): void {
    if (this.#isFinished) throw new Error(`audit: ${this.#subject.operation} was already recorded`);
  }
}

/**
 * Told of rows once they are committed, in `seq` order (metrics, audit sinks). Runs on the
 * committing caller's turn: keep it short, and it must not throw.
 */
export type CommittedRowsListener = (rows: readonly AuditRecord[]) => void;

export class AuditLog {
  readonly #chain: AuditChain;
  readonly #listeners: CommittedRowsListener[] = [];
  /** The rows the write now running has appended; a write may run twice, so it is reset per run. */
  #appended: AuditRecord[] | undefined;
  readonly #groupCommit: GroupCommit;
  readonly #sqlite: Database.Database;
  readonly #log: Logger;
  /** Operations begun and not yet recorded: a write waits for company only when there is some. */
  #inProgress = 0;
  readonly #sink: OperationSink = {
    write: (work) => this.#write(work, this.#inProgress === 1),
    append: (entry) => {
      this.#append(entry);
    },
    release: () => {
      this.#inProgress -= 1;
    },
    reportUnwritten: (operation, operationId, error) => {
      this.#log.error({ operation, operationId, err: error }, 'could not write the audit row of a failed operation');
    },
  };

  constructor(database: Pick<DatabaseHandle, 'sqlite'>, log: Logger) {
    const { sqlite } = database;
    this.#sqlite = sqlite;
    this.#chain = new AuditChain(sqlite);
    this.#groupCommit = new GroupCommit(sqlite);
    this.#log = log;
  }

  /** Starts an operation whose row is written by its `commit` or `fail`. */
  begin(ctx: RequestContext, subject: AuditSubject, options: AuditRunOptions = {}): AuditedOperation {
    this.#inProgress += 1;
    return new AuditedOperation(this.#sink, ctx, subject, options);
  }

  /**
   * Runs `work`. Unless it committed itself, `run` appends the success row when it returns
   * and the failure row when it throws (then rethrows).
   */
  async run<T>(
    ctx: RequestContext,
    subject: AuditSubject,
    work: (step: AuditedOperation) => Promise<T> | T,
    options: AuditRunOptions = {},
  ): Promise<T> {
    const step = this.begin(ctx, subject, options);
    try {
      const result = await work(step);
      if (!step.isFinished) await step.commit(step.entityId);
      return result;
    } catch (error) {
      throw await step.fail(error);
    }
  }

  /** A row with no domain write of its own; resolves once committed. */
  async record(ctx: RequestContext, row: AuditRow): Promise<void> {
    const entry: AuditEntry = {
      actor: ctx.actor,
      requestId: ctx.requestId,
      operation: row.operation,
      entityType: row.entityType,
      entityId: row.entityId ?? null,
      status: row.status,
      details: row.details ?? {},
    };
    await this.#write(() => this.#append(entry), this.#inProgress === 0);
  }

  /** Calls `listener` with every batch of rows after it is committed. */
  onCommitted(listener: CommittedRowsListener): void {
    this.#listeners.push(listener);
  }

  /** Walks the whole chain (audit.verifyChain). */
  verify(): AuditChainVerification {
    return verifyAuditChain(this.#sqlite);
  }

  /** Commits what is queued; call before the database closes. */
  flush(): void {
    this.#groupCommit.flush();
  }

  async #write<T>(work: () => T, isAlone: boolean): Promise<T> {
    let rows: AuditRecord[] = [];
    const result = await this.#groupCommit.run(
      () => {
        rows = [];
        this.#appended = rows;
        try {
          return work();
        } finally {
          this.#appended = undefined;
        }
      },
      { isAlone },
    );
    this.#notify(rows);
    return result;
  }

  #append(entry: AuditEntry): void {
    const record = this.#chain.append(entry);
    this.#appended?.push(record);
  }

  #notify(rows: readonly AuditRecord[]): void {
    if (rows.length === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(rows);
      } catch (error) {
        this.#log.error({ err: error }, 'an audit listener failed; the rows are committed');
      }
    }
  }
}

/** How a failure row describes its error: the stable code (INTERNAL when it has none) and a bounded message. */
export function auditedError(error: unknown): { errorCode: string; errorMessage: string } {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return {
    errorCode: typeof code === 'string' ? code : 'INTERNAL',
    errorMessage: message.slice(0, AUDITED_MESSAGE_LIMIT),
  };
}

/**
 * What makes the audit log checkable without trusting the server (issue 12), as one service
 * for the procedures and plain routes: the audit signer (made at first start, or on first
 * need in test mode), the checkpoint cadence, the streamed export ending with a signed
 * checkpoint, and background verification runs with their progress and result.
 */
import { randomUUID } from 'node:crypto';

import type Database from 'better-sqlite3';
import type { Logger } from 'pino';

import type { AuditExportQuery, AuditSignerInfo, AuditVerificationResult, AuditVerificationRun } from '@pki/shared';

import type { SettingsRepository } from '../db/settings-repository.js';
import { NotFoundError } from '../errors.js';
import type { KMSService } from '../kms/service.js';
import { systemContext } from '../request-context.js';
import type { RequestContext } from '../request-context.js';
import { AuditRowPages, auditExportLines } from './audit-export.js';
import { auditedError } from './audit-log.js';
import type { AuditLog } from './audit-log.js';
import { AuditCheckpointer, CHECKPOINT_COMPONENT } from './audit-checkpointer.js';
import type { CheckpointCadence } from './audit-checkpointer.js';
import { AuditVerification } from './audit-verification.js';
import type { VerificationResult } from './audit-verification.js';
import type { Checkpoint } from './checkpoint.js';
import { KmsAuditSigner } from './kms-audit-signer.js';
import { firstSeqAtOrAfter } from './time-range.js';

export const AUDIT_EXPORT_OPERATION = 'audit.export';
/** Small pages: the event loop turns between pages, so other requests wait for one page at most. */
const EXPORT_PAGE_ROWS = 250;

export interface AuditIntegrityOptions {
  audit: AuditLog;
  sqlite: Database.Database;
  databasePath: string;
  kms: Pick<KMSService, 'generateKeyPair' | 'sign' | 'capabilities' | 'findKey'>;
  settings: SettingsRepository;
  cadence: CheckpointCadence;
  log: Logger;
  now?: () => Date;
}

interface Run {
  id: string;
  isFull: boolean;
  startedAt: Date;
  state: AuditVerificationRun['state'];
  result: VerificationResult | undefined;
  error: string | undefined;
}

export class AuditIntegrityService {
  readonly #options: AuditIntegrityOptions;
  readonly #now: () => Date;
  readonly #checkpointer: AuditCheckpointer;
  readonly #verification: AuditVerification;
  readonly #pages: AuditRowPages;
  #signer: KmsAuditSigner | undefined;
  #creatingSigner: Promise<KmsAuditSigner> | undefined;
  #run: Run | undefined;
  #runPromise: Promise<unknown> | undefined;
  /** The last checkpoint any run verified: an incremental run that meets none still resumes after it. */
  #lastVerifiedCheckpoint: Checkpoint | undefined;

  constructor(options: AuditIntegrityOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#signer = KmsAuditSigner.load(options);
    this.#pages = new AuditRowPages(options.sqlite);
    this.#checkpointer = new AuditCheckpointer({
      audit: options.audit,
      sqlite: options.sqlite,
      signer: () => this.signer(),
      cadence: options.cadence,
      log: options.log,
      now: this.#now,
    });
    this.#verification = new AuditVerification({
      databasePath: options.databasePath,
      sqlite: options.sqlite,
      signerCertificatePem: () => this.#signer?.certificatePem,
    });
  }

  /** Starts the checkpoint cadence. */
  start(): void {
    this.#checkpointer.start();
  }

  /** The audit signer, made in the key store the first time it is needed. */
  async signer(): Promise<KmsAuditSigner> {
    // Another process on the same database may have made it since this one started.
    this.#signer ??= KmsAuditSigner.load(this.#options);
    if (this.#signer !== undefined) return this.#signer;
    this.#creatingSigner ??= KmsAuditSigner.create(systemContext(CHECKPOINT_COMPONENT), {
      ...this.#options,
      now: this.#now,
    })
      .then((signer) => {
        this.#signer = signer;
        return signer;
      })
      .finally(() => {
        this.#creatingSigner = undefined;
      });
    return this.#creatingSigner;
  }

  async signerInfo(): Promise<AuditSignerInfo> {
    const signer = await this.signer();
    return {
      certificatePem: signer.certificatePem,
      fingerprint: signer.fingerprint,
      keyId: signer.keyId,
      algorithm: signer.algorithm,
    };
  }

  /** Signs and records a checkpoint over the tip now (tests, and operators through the cadence). */
  checkpointNow(): Promise<Checkpoint | undefined> {
    return this.#checkpointer.checkpointNow();
  }

  /**
   * The export's lines, read as they are consumed. The range is fixed when it starts (the
   * tip then, or the rows in [from, to]); an NDJSON export ends with a checkpoint over its
   * last row, and every export is recorded as an `audit.export` row by its requester.
   */
  async *exportLines(ctx: RequestContext, query: AuditExportQuery): AsyncGenerator<string> {
    const { sqlite } = this.#options;
    const tip = (sqlite.prepare('SELECT coalesce(max(seq), 0) FROM audit_log').pluck().get() as number) ?? 0;
    const fromSeq = query.from === undefined ? 1 : firstSeqAtOrAfter(sqlite, Date.parse(query.from));
    const toSeq = query.to === undefined ? tip : Math.min(tip, firstSeqAtOrAfter(sqlite, Date.parse(query.to) + 1) - 1);
    let finalCheckpoint: Checkpoint | undefined;
    let lastSeq: number | undefined;
    const signerCtx = systemContext(CHECKPOINT_COMPONENT, ctx.requestId);
    try {
      yield* auditExportLines(this.#pages, {
        format: query.format,
        fromSeq,
        toSeq,
        pageSize: EXPORT_PAGE_ROWS,
        finalCheckpoint: async (last) => {
          lastSeq = last.seq;
          finalCheckpoint = await this.#checkpointer.signExportEnd(signerCtx, last);
          return finalCheckpoint;
        },
      });
    } catch (error) {
      // The rows sent stay sent; the file then does not end at a checkpoint, which is what a verifier reports.
      this.#options.log.error({ err: error }, 'an audit export ended without its checkpoint');
      await this.#options.audit.record(ctx, {
        operation: AUDIT_EXPORT_OPERATION,
        entityType: 'audit_log',
        status: 'failure',
        details: { format: query.format, fromSeq, toSeq, ...auditedError(error) },
      });
      return;
    }
    const { statement: _statement, ...checkpoint } = finalCheckpoint ?? { statement: undefined };
    await this.#options.audit.record(ctx, {
      operation: AUDIT_EXPORT_OPERATION,
      entityType: 'audit_log',
      status: 'success',
      details: {
        format: query.format,
        fromSeq,
        toSeq: lastSeq ?? toSeq,
        ...(finalCheckpoint === undefined ? {} : { checkpoint }),
      },
    });
  }

  /** Starts a verification run, or names the one running (a second request joins it). */
  startVerification(options: { isFull: boolean }): { runId: string } {
    if (this.#run?.state === 'running') return { runId: this.#run.id };
    const run: Run = {
      id: randomUUID(),
      isFull: options.isFull,
      startedAt: this.#now(),
      state: 'running',
      result: undefined,
      error: undefined,
    };
    this.#run = run;
    this.#runPromise = this.#verification.verify({ isFull: options.isFull }).then(
      (result) => {
        run.state = 'finished';
        run.result = result;
        if (result.isValid && result.lastCheckpoint !== undefined) this.#lastVerifiedCheckpoint = result.lastCheckpoint;
        if (!result.isValid) {
          this.#options.log.error(
            { firstBadSeq: result.firstBadSeq, reason: result.reason },
            `audit verification failed: ${result.message}`,
          );
        }
      },
      (error: unknown) => {
        run.state = 'failed';
        run.error = error instanceof Error ? error.message : String(error);
      },
    );
    return { runId: run.id };
  }

  verificationStatus(runId?: string): AuditVerificationRun {
    const run = this.#run;
    if (run === undefined || (runId !== undefined && runId !== run.id)) {
      throw new NotFoundError(
        runId === undefined ? 'no audit verification has run yet' : `no audit verification run ${runId}`,
        { code: 'AUDIT_VERIFICATION_NOT_FOUND' },
      );
    }
    const progress = this.#verification.progress;
    return {
      runId: run.id,
      isFull: run.isFull,
      state: run.state,
      startedAt: run.startedAt.toISOString(),
      progress: { walked: progress.walked, total: progress.total },
      result: run.result === undefined ? null : this.#describe(run.result),
      error: run.error ?? null,
    };
  }

  /** Resolves when the running verification (if any) has finished. */
  async whenVerified(): Promise<void> {
    await this.#runPromise;
  }

  async close(): Promise<void> {
    await this.#checkpointer.close();
    await this.#verification.close();
  }

  #describe(result: VerificationResult): AuditVerificationResult {
    const finishedAt = result.finishedAt.toISOString();
    if (!result.isValid) {
      return {
        isValid: false,
        fromSeq: result.fromSeq,
        firstBadSeq: result.firstBadSeq,
        reason: result.reason,
        summary: `row ${result.firstBadSeq}: ${result.message} (${result.reason})`,
        finishedAt,
      };
    }
    const checkpoint = result.lastCheckpoint ?? this.#lastVerifiedCheckpoint;
    return {
      isValid: true,
      fromSeq: result.fromSeq,
      verifiedThroughSeq: result.lastSeq,
      rowCount: result.rowCount,
      checkpointCount: result.checkpointCount,
      lastCheckpoint: checkpoint === undefined ? null : { seq: checkpoint.seq, time: checkpoint.time },
      summary:
        `verified through row ${result.lastSeq}, ` +
        (checkpoint === undefined
          ? 'no signed checkpoint yet'
          : `last signed checkpoint at ${checkpoint.time} (row ${checkpoint.seq})`),
      finishedAt,
    };
  }
}

/**
 * `audit.verify`: the chain and every checkpoint signature, checked in a worker thread
 * (verification-worker.ts) with its own connection, so the server keeps answering however
 * long the log. Incremental by default: a verification resumes after the last checkpoint
 * the previous one verified (its row and hash are signed, so what precedes it needs no
 * second look); `isFull` walks from row 1. A tip below that checkpoint means rows were
 * removed from the end. One verification runs at a time; a second request joins it.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import type Database from 'better-sqlite3';

import type { WalkStart } from './chain-walker.js';
import type { AuditChainWalk } from './verify.js';
import type { VerificationWorkerInput, VerificationWorkerMessage } from './verification-worker.js';

export interface VerificationProgress {
  isRunning: boolean;
  walked: number;
  total: number;
  startedAt: Date | null;
}

export type VerificationResult = AuditChainWalk & {
  /** The walk began after this row (0: from the start of the chain). */
  fromSeq: number;
  finishedAt: Date;
};

export interface AuditVerificationOptions {
  databasePath: string;
  sqlite: Database.Database;
  /** The audit signer's certificate, once it exists: checkpoints are checked against it. */
  signerCertificatePem: () => string | undefined;
}

const isTypeScriptSource = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(
  isTypeScriptSource ? './verification-worker.ts' : './verification-worker.js',
  import.meta.url,
);

/**
 * Built, the worker is plain JavaScript. From sources (tests, `pnpm dev`) it is TypeScript:
 * a small bootstrap registers tsx's loader in the worker before importing it.
 */
function startWorker(workerData: VerificationWorkerInput): Worker {
  if (!isTypeScriptSource) return new Worker(WORKER_URL, { workerData });
  // The package's "import" entry of tsx/esm/api, beside the "require" one that require.resolve finds.
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

export class AuditVerification {
  readonly #options: AuditVerificationOptions;
  #running: Promise<VerificationResult> | undefined;
  #progress: VerificationProgress = { isRunning: false, walked: 0, total: 0, startedAt: null };
  #resumeAfter: WalkStart | undefined;
  #lastResult: VerificationResult | undefined;
  #worker: Worker | undefined;
  #isClosed = false;

  constructor(options: AuditVerificationOptions) {
    this.#options = options;
  }

  get progress(): VerificationProgress {
    return { ...this.#progress };
  }

  get lastResult(): VerificationResult | undefined {
    return this.#lastResult;
  }

  /** Starts a verification, or joins the one running. */
  verify(options: { isFull?: boolean } = {}): Promise<VerificationResult> {
    this.#running ??= this.#run(options.isFull === true ? undefined : this.#resumeAfter).finally(() => {
      this.#running = undefined;
      this.#progress = { ...this.#progress, isRunning: false };
    });
    return this.#running;
  }

  /** Stops a verification under way (its promise rejects) and refuses new ones. */
  async close(): Promise<void> {
    this.#isClosed = true;
    await this.#worker?.terminate();
  }

  async #run(start: WalkStart | undefined): Promise<VerificationResult> {
    this.#progress = { isRunning: true, walked: 0, total: 0, startedAt: new Date() };
    const truncation = start === undefined ? undefined : this.#truncatedBelow(start);
    const walk = truncation ?? (await this.#walkInWorker(start));
    const result: VerificationResult = { ...walk, fromSeq: start?.afterSeq ?? 0, finishedAt: new Date() };
    if (walk.isValid && walk.lastCheckpoint !== undefined) {
      this.#resumeAfter = { afterSeq: walk.lastCheckpoint.seq, afterHash: walk.lastCheckpoint.hash };
    }
    this.#lastResult = result;
    return result;
  }

  /** A verified checkpoint beyond the tip: rows after the tip were removed, sqlite_sequence mended or not. */
  #truncatedBelow(start: WalkStart): AuditChainWalk | undefined {
    const tip = this.#options.sqlite.prepare('SELECT max(seq) AS seq FROM audit_log').get() as { seq: number | null };
    if ((tip.seq ?? 0) >= start.afterSeq) return undefined;
    return {
      isValid: false,
      firstBadSeq: (tip.seq ?? 0) + 1,
      reason: 'truncated',
      message: `a verified checkpoint covers row ${start.afterSeq}, but the log ends at row ${tip.seq ?? 0}: rows were removed from the end`,
      rowCount: 0,
    };
  }

  #walkInWorker(start: WalkStart | undefined): Promise<AuditChainWalk> {
    const signerCertificatePem = this.#options.signerCertificatePem();
    const workerData: VerificationWorkerInput = {
      databasePath: this.#options.databasePath,
      ...(start === undefined ? {} : { start }),
      ...(signerCertificatePem === undefined ? {} : { signerCertificatePem }),
    };
    if (this.#isClosed) return Promise.reject(new Error('audit verification is closed'));
    return new Promise((resolve, reject) => {
      const worker = startWorker(workerData);
      this.#worker = worker;
      let isSettled = false;
      worker.on('message', (message: VerificationWorkerMessage) => {
        if (message.kind === 'progress') {
          this.#progress = { ...this.#progress, walked: message.walked, total: message.total };
        } else if (message.kind === 'done') {
          isSettled = true;
          resolve(message.walk);
        } else {
          isSettled = true;
          reject(new Error(`audit verification failed: ${message.message}`));
        }
      });
      worker.once('error', (error) => {
        if (!isSettled) reject(error);
        isSettled = true;
      });
      worker.once('exit', (code) => {
        this.#worker = undefined;
        if (!isSettled) reject(new Error(`audit verification stopped (worker exit code ${code})`));
      });
    });
  }
}

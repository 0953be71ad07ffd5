/**
 * The body of a background verification (audit-verification.ts): a worker thread with its
 * own read-only connection walks the chain, so the event loop that answers requests never
 * waits for it. It reports progress and one result, then exits.
 */
import { X509Certificate } from 'node:crypto';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

import Database from 'better-sqlite3';

import { signerKeyOf } from './chain-walker.js';
import type { WalkStart } from './chain-walker.js';
import { walkAuditChain } from './verify.js';
import type { AuditChainWalk } from './verify.js';

export interface VerificationWorkerInput {
  databasePath: string;
  start?: WalkStart;
  signerCertificatePem?: string;
}

export type VerificationWorkerMessage =
  | { kind: 'progress'; walked: number; total: number }
  | { kind: 'done'; walk: AuditChainWalk }
  | { kind: 'failed'; message: string };

const input = workerData as VerificationWorkerInput;

// Background work yields the CPU to the threads that answer requests. On Linux a nice value
// is per thread, so this lowers only this worker; elsewhere it would lower the whole
// process, so it is left alone there.
if (process.platform === 'linux') setPriority(19);
const post = (message: VerificationWorkerMessage) => parentPort?.postMessage(message);

try {
  const sqlite = new Database(input.databasePath, { readonly: true, fileMustExist: true });
  try {
    sqlite.pragma('busy_timeout = 5000');
    const total = (
      sqlite.prepare('SELECT count(*) AS n FROM audit_log WHERE seq > ?').get(input.start?.afterSeq ?? 0) as {
        n: number;
      }
    ).n;
    const walk = walkAuditChain(sqlite, {
      ...(input.start === undefined ? {} : { start: input.start }),
      ...(input.signerCertificatePem === undefined
        ? {}
        : { signer: signerKeyOf(new X509Certificate(input.signerCertificatePem)) }),
      onProgress: (walked) => post({ kind: 'progress', walked, total }),
    });
    post({ kind: 'done', walk });
  } finally {
    sqlite.close();
  }
} catch (error) {
  post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
}

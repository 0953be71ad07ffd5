/**
 * Checkpoints the WAL from a worker thread, off the request path.
 *
 * SQLite's automatic checkpoint runs inside whichever commit crosses the threshold: that
 * commit copies the WAL's pages into the database file and fsyncs both, which on this kind
 * of disk held ~1% of issuances for ~18 ms (p99 of `pnpm bench issuance-http` at c=1;
 * 6.6 ms with this worker). A worker with its own connection runs a PASSIVE
 * checkpoint every `intervalMs` instead: PASSIVE never waits for readers or writers, and in
 * WAL mode writers keep appending while it copies, so no request waits for it.
 *
 * The app connection keeps an automatic checkpoint as a backstop, at a threshold the worker
 * keeps the WAL far below (`BACKSTOP_PAGES`): if the worker stops, the WAL still cannot grow
 * without bound. A worker error is logged once and the backstop takes over.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

import type { Logger } from 'pino';

import type { DatabaseHandle } from './client.js';

/** ~160 MB of WAL: reached only if the worker has stopped checkpointing. */
export const BACKSTOP_PAGES = 40_000;
/** 50 ms: p99 of HTTP issuance at c=1 was 6.6 ms with it, 11 ms at 250 ms, 16 ms at 1 s. */
const DEFAULT_INTERVAL_MS = 50;

export interface WalCheckpointer {
  /** Checkpoints that copied pages, done by the worker so far (for tests and metrics). */
  readonly checkpointCount: number;
  stop(): Promise<void>;
}

/**
 * Plain CommonJS run by the worker (`eval`), so it needs no loader in development and no
 * build step: it loads better-sqlite3 from the path the main thread resolved.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const connection = new Database(workerData.databasePath);
connection.pragma('busy_timeout = 1000');
const checkpoint = () => {
  try {
    const [result] = connection.pragma('wal_checkpoint(PASSIVE)');
    // Only news wakes the main thread: an idle database is checked, not reported.
    if (result.checkpointed > 0) parentPort.postMessage({ kind: 'checkpointed' });
  } catch (error) {
    parentPort.postMessage({ kind: 'failed', message: String(error && error.message || error) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'stop') {
    clearInterval(timer);
    checkpoint();
    connection.close();
    parentPort.close();
  }
});
`;

type WorkerMessage = { kind: 'checkpointed' } | { kind: 'failed'; message: string };

export function startWalCheckpointer(
  database: DatabaseHandle,
  databasePath: string,
  log: Logger,
  options: { intervalMs?: number } = {},
): WalCheckpointer {
  database.sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driverPath: createRequire(import.meta.url).resolve('better-sqlite3'),
      databasePath,
      intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS,
    },
  });
  // The worker never keeps the process alive on its own.
  worker.unref();
  let checkpointCount = 0;
  let hasReportedFailure = false;
  const reportFailure = (message: string) => {
    if (hasReportedFailure) return;
    hasReportedFailure = true;
    log.error({ component: 'db', err: message }, 'the WAL checkpointer failed; the automatic checkpoint takes over');
  };
  worker.on('message', (message: WorkerMessage) => {
    if (message.kind === 'checkpointed') checkpointCount += 1;
    else reportFailure(message.message);
  });
  worker.on('error', (error) => reportFailure(error.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  return {
    get checkpointCount() {
      return checkpointCount;
    },
    stop: async () => {
      // Held until it has exited: an unref'd worker is not something the process waits for.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}

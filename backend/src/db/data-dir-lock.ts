/**
 * One server per data directory: the signing-key cache, the OCSP cache and the CRL
 * publisher live in one process, so a second server on the same PKI_DATA_DIR would serve
 * stale answers and race the first one's CRL numbers. The server holds this lock for its
 * whole life; `pki restore` checks it before touching the directory.
 *
 * How: an EXCLUSIVE transaction held open on a small SQLite file of its own,
 * `PKI_DATA_DIR/server.lock` (rollback journal, never committed). SQLite takes it with a
 * POSIX advisory lock (fcntl), which the kernel drops when the process ends however it
 * ends, SIGKILL and power loss included: a stale lock cannot exist, so a restart is never
 * blocked and needs no pid check or stale-file heuristic (a pid file can name a pid since
 * reused by another process). SQLite also keeps track of its locks inside one process, so a
 * second acquire in the same process is refused as well (tests rely on it). Node has no
 * flock; this is the same guarantee through a dependency we already have.
 *
 * The holder's pid is written beside it (`server.pid`) only to make the refusal readable.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { AppError } from '../errors.js';

export const LOCK_FILE_NAME = 'server.lock';
const PID_FILE_NAME = 'server.pid';

/** Another process (or this one) holds the data directory. */
export class DataDirLockedError extends AppError {
  constructor(dataDir: string, holderPid: number | null) {
    super(
      'DATA_DIR_LOCKED',
      `PKI_DATA_DIR ${dataDir} is in use by another PKI Manager server${holderPid === null ? '' : ` (pid ${holderPid})`}; stop it first (one server per data directory)`,
      { details: { dataDir, holderPid } },
    );
  }
}

export interface DataDirLock {
  readonly dataDir: string;
  /** Idempotent; the lock also ends with the process. */
  release(): void;
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function readHolderPid(dataDir: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(join(dataDir, PID_FILE_NAME), 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Takes the lock or throws DataDirLockedError at once (it never waits). */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const lockDb = new Database(join(dataDir, LOCK_FILE_NAME), { timeout: 0 });
  try {
    lockDb.pragma('journal_mode = DELETE');
    lockDb.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lockDb.close();
    if (isBusy(error)) throw new DataDirLockedError(dataDir, readHolderPid(dataDir));
    throw error;
  }
  writeFileSync(join(dataDir, PID_FILE_NAME), `${process.pid}\n`);
  let isHeld = true;
  return {
    dataDir,
    release: () => {
      if (!isHeld) return;
      isHeld = false;
      if (readHolderPid(dataDir) === process.pid) rmSync(join(dataDir, PID_FILE_NAME), { force: true });
      lockDb.exec('ROLLBACK');
      lockDb.close();
    },
  };
}

/** Whether some server holds the data directory now (for `pki restore`); takes nothing. */
export function isDataDirLocked(dataDir: string): boolean {
  try {
    acquireDataDirLock(dataDir).release();
    return false;
  } catch (error) {
    if (error instanceof DataDirLockedError) return true;
    throw error;
  }
}

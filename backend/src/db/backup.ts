/**
 * Backup and restore of a data directory: the database, taken with SQLite's online backup
 * (consistent while the server keeps serving: it copies a snapshot page by page and
 * restarts if a write lands in between), plus the files beside it that the database is
 * useless without: the `local` key store's age identity (`kms/identity.age`, which unseals
 * every local private key), the API-token HMAC key and the audit sink settings.
 *
 * The archive is one file in a container simple enough to read by hand (no archive
 * package in the catalog; tar would add one):
 *
 *     PKI-MANAGER-BACKUP 1\n
 *     <manifest: one line of JSON>\n
 *     <the bytes of each file of the manifest, in its order, back to back>
 *
 * The manifest names each file (its path relative to the data directory), its size and
 * its SHA-256; restore checks every checksum before it puts anything in place. The archive
 * holds the key store identity: it is as secret as the data directory, written 0600.
 *
 * Restore is for a stopped instance: it refuses a data directory a server holds
 * (db/data-dir-lock.ts) and one that already has files, unless forced; the database lands
 * at `<data dir>/pki.sqlite` (the default PKI_DB_PATH).
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';

import type Database from 'better-sqlite3';

import { AppError } from '../errors.js';
import { LOCK_FILE_NAME, isDataDirLocked, DataDirLockedError } from './data-dir-lock.js';

export const BACKUP_MAGIC = 'PKI-MANAGER-BACKUP 1\n';
export const DATABASE_ENTRY = 'pki.sqlite';
/** Beside the database in the data directory; each is backed up when present. */
export const DATA_DIR_FILES = ['kms/identity.age', 'token-hmac.key', 'audit-sinks.json'] as const;
/** Written by the server itself while it runs; never part of a backup, ignored by restore's emptiness check. */
const RUNTIME_FILES = new Set([LOCK_FILE_NAME, 'server.pid']);
const COPY_CHUNK_BYTES = 1 << 20;
const MAX_MANIFEST_BYTES = 1 << 20;

export interface BackupEntry {
  path: string;
  size: number;
  sha256: string;
}

export interface BackupManifest {
  format: 1;
  createdAt: string;
  files: BackupEntry[];
}

/** A backup archive that cannot be restored: not ours, truncated, or a checksum that does not match. */
export class BackupInvalidError extends AppError {
  constructor(message: string) {
    super('BACKUP_INVALID', message);
  }
}

/** Restore into a data directory that already holds files, without --force. */
export class RestoreTargetNotEmptyError extends AppError {
  constructor(dataDir: string) {
    super(
      'RESTORE_TARGET_NOT_EMPTY',
      `${dataDir} is not empty; restore into a new directory, or pass --force to replace its contents`,
    );
  }
}

/** A snapshot ready to stream; `dispose` removes its temporary copy. */
export interface BackupSnapshot {
  manifest: BackupManifest;
  /** The archive: magic, manifest, files. Disposes the snapshot when it ends or fails. */
  stream(): Readable;
  sizeBytes: number;
  dispose(): Promise<void>;
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Takes the database's online backup and lists the data directory's files beside it. */
export async function takeBackupSnapshot(sqlite: Database.Database, dataDir: string): Promise<BackupSnapshot> {
  const workDir = await mkdtemp(join(tmpdir(), 'pki-backup-'));
  try {
    const databaseCopy = join(workDir, DATABASE_ENTRY);
    await sqlite.backup(databaseCopy);
    const sources: { path: string; absolutePath: string }[] = [{ path: DATABASE_ENTRY, absolutePath: databaseCopy }];
    for (const path of DATA_DIR_FILES) {
      const absolutePath = join(dataDir, path);
      if (existsSync(absolutePath)) sources.push({ path, absolutePath });
    }
    const files: BackupEntry[] = [];
    for (const source of sources) {
      files.push({
        path: source.path,
        size: statSync(source.absolutePath).size,
        sha256: await sha256File(source.absolutePath),
      });
    }
    const manifest: BackupManifest = { format: 1, createdAt: new Date().toISOString(), files };
    const header = Buffer.from(`${BACKUP_MAGIC}${JSON.stringify(manifest)}\n`, 'utf8');
    const dispose = () => rm(workDir, { recursive: true, force: true });
    return {
      manifest,
      sizeBytes: header.length + files.reduce((total, file) => total + file.size, 0),
      dispose,
      stream: () => {
        const out = new PassThrough();
        void (async () => {
          try {
            out.write(header);
            for (const source of sources) {
              for await (const chunk of createReadStream(source.absolutePath)) {
                if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
              }
            }
            out.end();
          } catch (error) {
            out.destroy(error as Error);
          } finally {
            await dispose();
          }
        })();
        return out;
      },
    };
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}

/** Reads the magic and the manifest; returns the manifest and where the file bytes start. */
export function readBackupHeader(fd: number): { manifest: BackupManifest; dataOffset: number } {
  const buffer = Buffer.alloc(MAX_MANIFEST_BYTES + BACKUP_MAGIC.length);
  const length = readSync(fd, buffer, 0, buffer.length, 0);
  const head = buffer.subarray(0, length);
  if (!head.subarray(0, BACKUP_MAGIC.length).equals(Buffer.from(BACKUP_MAGIC))) {
    throw new BackupInvalidError('not a PKI Manager backup (the first line is not "PKI-MANAGER-BACKUP 1")');
  }
  const end = head.indexOf(0x0a, BACKUP_MAGIC.length);
  if (end < 0) throw new BackupInvalidError('the backup manifest is truncated');
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(head.subarray(BACKUP_MAGIC.length, end).toString('utf8')) as BackupManifest;
  } catch {
    throw new BackupInvalidError('the backup manifest is not valid JSON');
  }
  const isValid =
    manifest.format === 1 &&
    Array.isArray(manifest.files) &&
    manifest.files.some((file) => file.path === DATABASE_ENTRY) &&
    manifest.files.every(
      (file) =>
        typeof file.path === 'string' &&
        (file.path === DATABASE_ENTRY || (DATA_DIR_FILES as readonly string[]).includes(file.path)) &&
        Number.isSafeInteger(file.size) &&
        file.size >= 0 &&
        /^[0-9a-f]{64}$/.test(file.sha256),
    );
  if (!isValid) throw new BackupInvalidError('the backup manifest does not describe a PKI Manager data directory');
  return { manifest, dataOffset: end + 1 };
}

function entriesOf(dataDir: string): string[] {
  if (!existsSync(dataDir)) return [];
  return readdirSync(dataDir).filter((name) => !RUNTIME_FILES.has(name));
}

/**
 * Restores an archive into `dataDir` for a stopped instance. Every file is copied to a
 * staging directory inside `dataDir` and checked against its checksum first; only then do
 * the files replace what is there (with `isForced`), the database's old WAL removed with it.
 */
export function restoreBackup(
  archivePath: string,
  dataDir: string,
  options: { isForced?: boolean } = {},
): BackupManifest {
  if (existsSync(dataDir) && isDataDirLocked(dataDir)) throw new DataDirLockedError(dataDir, null);
  if (entriesOf(dataDir).length > 0 && options.isForced !== true) throw new RestoreTargetNotEmptyError(dataDir);
  const fd = openSync(archivePath, 'r');
  const staging = join(dataDir, `.restore-${randomUUID()}`);
  try {
    const { manifest, dataOffset } = readBackupHeader(fd);
    const archiveSize = statSync(archivePath).size;
    const expectedSize = dataOffset + manifest.files.reduce((total, file) => total + file.size, 0);
    if (archiveSize !== expectedSize) {
      throw new BackupInvalidError(
        `the backup is ${archiveSize} bytes, its manifest says ${expectedSize}: truncated or padded`,
      );
    }
    mkdirSync(staging, { recursive: true, mode: 0o700 });
    let offset = dataOffset;
    const chunk = Buffer.alloc(COPY_CHUNK_BYTES);
    for (const file of manifest.files) {
      const target = join(staging, normalize(file.path));
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      const out = openSync(target, 'w', 0o600);
      const hash = createHash('sha256');
      try {
        for (let left = file.size; left > 0;) {
          const read = readSync(fd, chunk, 0, Math.min(left, chunk.length), offset);
          if (read === 0) throw new BackupInvalidError(`the backup ends inside ${file.path}`);
          hash.update(chunk.subarray(0, read));
          writeSync(out, chunk, 0, read);
          offset += read;
          left -= read;
        }
      } finally {
        closeSync(out);
      }
      if (hash.digest('hex') !== file.sha256) throw new BackupInvalidError(`${file.path}: checksum mismatch`);
    }
    for (const stale of [`${DATABASE_ENTRY}-wal`, `${DATABASE_ENTRY}-shm`, `${DATABASE_ENTRY}-journal`]) {
      rmSync(join(dataDir, stale), { force: true });
    }
    for (const file of manifest.files) {
      const target = join(dataDir, normalize(file.path));
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      renameSync(join(staging, normalize(file.path)), target);
    }
    return manifest;
  } finally {
    closeSync(fd);
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Whether the file system holding the database has room for the next commits. A full disk
 * makes every write fail (SQLITE_FULL, answered STORAGE_FULL) while reads still work, so a
 * `SELECT 1` alone would keep `/readyz` saying ready; `statfs` tells the truth at the cost of
 * one system call, and it recovers by itself: once space is freed the next probe says so.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Below this much free space the server says it is not ready: an issuance commits a few
 * pages to the WAL, a checkpoint copies them into the database file, and a load balancer
 * should move traffic away before the writes start failing, not after.
 */
export const MINIMUM_FREE_BYTES = 1024 * 1024;

export interface DiskSpace {
  directory: string;
  freeBytes: number;
  isFull: boolean;
}

/** The file system of `databasePath`'s directory (the WAL and journal live beside it); null for an in-memory database. */
export function diskSpaceOf(databasePath: string, minimumFreeBytes = MINIMUM_FREE_BYTES): DiskSpace | null {
  if (databasePath === ':memory:' || databasePath === '') return null;
  const directory = dirname(databasePath);
  const stats = statfsSync(directory);
  // bavail, not bfree: what an unprivileged writer may still use (root's reserve is not ours).
  const freeBytes = stats.bavail * stats.bsize;
  return { directory, freeBytes, isFull: freeBytes < minimumFreeBytes };
}

export function describeFullDisk(space: DiskSpace, minimumFreeBytes = MINIMUM_FREE_BYTES): string {
  return (
    `disk full: the file system holding ${space.directory} has ${formatBytes(space.freeBytes)} free ` +
    `(at least ${formatBytes(minimumFreeBytes)} needed); writes are refused until space is freed`
  );
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${Math.floor(bytes / 1024)} KiB`;
  return `${bytes} B`;
}

/**
 * `file:/path/audit.ndjson`: rows appended as the NDJSON export writes them (docs/AUDIT.md
 * §6), fsync'd before a delivery counts as done. The file is its own position: after a
 * restart, delivery resumes after the last row it holds, so nothing is written twice.
 */
import { mkdir, open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

import { ndjsonLines } from '../audit-export.js';
import type { StoredAuditRow } from '../audit-export.js';
import type { AuditSinkTransport } from './audit-sink.js';

/** Enough to hold the last row line whatever its details. */
const TAIL_BYTES = 256 * 1024;

export class FileAuditSink implements AuditSinkTransport {
  readonly name: string;
  readonly #path: string;
  #handle: FileHandle | undefined;

  constructor(path: string) {
    this.#path = path;
    this.name = `file:${path}`;
  }

  async lastDeliveredSeq(): Promise<number | undefined> {
    let size: number;
    try {
      size = (await stat(this.#path)).size;
    } catch {
      return undefined;
    }
    if (size === 0) return undefined;
    const handle = await open(this.#path, 'r');
    try {
      const length = Math.min(size, TAIL_BYTES);
      const { buffer } = await handle.read(Buffer.alloc(length), 0, length, size - length);
      const lines = buffer.toString('utf8').trimEnd().split('\n').reverse();
      for (const line of lines) {
        try {
          const item = JSON.parse(line) as { type?: unknown; seq?: unknown };
          if (item.type === 'row' && typeof item.seq === 'number') return item.seq;
        } catch {
          // A line cut by a crash mid-write, or the start of the tail window: look further back.
        }
      }
      return undefined;
    } finally {
      await handle.close();
    }
  }

  async deliver(rows: readonly StoredAuditRow[]): Promise<void> {
    const handle = await this.#open();
    try {
      await handle.appendFile(rows.map(ndjsonLines).join(''), 'utf8');
      await handle.sync();
    } catch (error) {
      // Reopened next time: the disk may have come back, or the file been rotated.
      this.#handle = undefined;
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  async #open(): Promise<FileHandle> {
    if (this.#handle !== undefined) return this.#handle;
    await mkdir(dirname(this.#path), { recursive: true });
    this.#handle = await open(this.#path, 'a', 0o600);
    return this.#handle;
  }
}

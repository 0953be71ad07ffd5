/**
 * The audit log as NDJSON or CSV (docs/AUDIT.md §6), produced as it is read: rows come in
 * pages by `seq`, each page one short indexed read, and the consumer pulls the next page
 * only when it has written the last (an async generator under a stream's backpressure), so
 * memory stays flat at any size and the event loop stays free between pages.
 */
import type Database from 'better-sqlite3';

import type { AuditStatus } from '@pki/shared';

import type { AuditHashInput } from './chain.js';
import { CHECKPOINT_OPERATION, checkpointStatement } from './checkpoint.js';
import type { Checkpoint } from './checkpoint.js';

export type AuditExportFormat = 'ndjson' | 'csv';

/** A row as stored: every column the hash covers, `details` as its canonical JSON text. */
export interface StoredAuditRow {
  seq: number;
  id: string;
  timestamp: number;
  actor: string;
  operation: string;
  entity_type: string;
  entity_id: string | null;
  status: AuditStatus;
  details: string;
  kms_operation_id: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

/** The stored row in the shape the hash is computed over (chain.ts). */
export function hashInputOf(row: StoredAuditRow): AuditHashInput & { hash: string } {
  return {
    seq: row.seq,
    id: row.id,
    timestamp: row.timestamp,
    actor: row.actor,
    operation: row.operation,
    entityType: row.entity_type,
    entityId: row.entity_id,
    status: row.status,
    detailsJson: row.details,
    kmsOperationId: row.kms_operation_id,
    requestId: row.request_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface AuditExportOptions {
  format: AuditExportFormat;
  /** First and last `seq` to export, both included; default the whole log. */
  fromSeq?: number;
  toSeq?: number;
  /** NDJSON only: signs the checkpoint that ends the export, covering its last row. */
  finalCheckpoint?: (last: { seq: number; hash: string }) => Promise<Checkpoint>;
  /** Rows read per page. */
  pageSize?: number;
}

const DEFAULT_PAGE_SIZE = 1000;

const CSV_COLUMNS = [
  'seq',
  'id',
  'timestamp',
  'actor',
  'operation',
  'entity_type',
  'entity_id',
  'status',
  'details',
  'kms_operation_id',
  'request_id',
  'prev_hash',
  'hash',
] as const;

/** Reads rows in `seq` order, a page at a time. */
export class AuditRowPages {
  readonly #page: Database.Statement<[number, number, number], StoredAuditRow>;

  constructor(sqlite: Database.Database) {
    this.#page = sqlite.prepare(
      `SELECT seq, id, timestamp, actor, operation, entity_type, entity_id, status, details,
              kms_operation_id, request_id, prev_hash, hash
         FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
    );
  }

  /** Rows with afterSeq < seq ≤ toSeq, at most `limit`. */
  read(afterSeq: number, toSeq: number, limit: number): StoredAuditRow[] {
    return this.#page.all(afterSeq, toSeq, limit);
  }
}

/** Yields the export's lines (each ending with LF); for CSV the header first. */
export async function* auditExportLines(pages: AuditRowPages, options: AuditExportOptions): AsyncGenerator<string> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const toSeq = options.toSeq ?? Number.MAX_SAFE_INTEGER;
  let afterSeq = (options.fromSeq ?? 1) - 1;
  let last: StoredAuditRow | undefined;
  if (options.format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
  for (;;) {
    const rows = pages.read(afterSeq, toSeq, pageSize);
    if (rows.length === 0) break;
    let text = '';
    for (const row of rows) text += options.format === 'csv' ? csvLine(row) : ndjsonLines(row);
    yield text;
    last = rows.at(-1);
    afterSeq = last?.seq ?? afterSeq;
    if (rows.length < pageSize) break;
    // Let requests in between pages run even when the consumer never waits.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (options.format === 'ndjson' && last !== undefined && options.finalCheckpoint !== undefined) {
    yield checkpointLine(await options.finalCheckpoint({ seq: last.seq, hash: last.hash }));
  }
}

/** A row line, followed by its checkpoint line when the row records a checkpoint. */
export function ndjsonLines(row: StoredAuditRow): string {
  const text = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));
  // `details` is stored as canonical JSON: embedded as it is, it is exactly what was hashed.
  const line =
    `{"type":"row","seq":${row.seq},"id":${text(row.id)},"timestamp":${row.timestamp},` +
    `"actor":${text(row.actor)},"operation":${text(row.operation)},"entityType":${text(row.entity_type)},` +
    `"entityId":${text(row.entity_id)},"status":${text(row.status)},"details":${row.details},` +
    `"kmsOperationId":${text(row.kms_operation_id)},"requestId":${text(row.request_id)},` +
    `"prevHash":${text(row.prev_hash)},"hash":${text(row.hash)}}\n`;
  if (row.operation !== CHECKPOINT_OPERATION || row.status !== 'success') return line;
  const recorded = checkpointOfRow(row);
  return recorded === undefined ? line : line + checkpointLine(recorded);
}

/** The checkpoint a `audit.checkpoint` row records, when its details have the documented fields. */
export function checkpointOfRow(row: Pick<StoredAuditRow, 'details'>): Checkpoint | undefined {
  const details = JSON.parse(row.details) as Record<string, unknown>;
  const { seq, hash, time, signature, signer } = details;
  if (
    typeof seq !== 'number' ||
    typeof hash !== 'string' ||
    typeof time !== 'string' ||
    typeof signature !== 'string' ||
    typeof signer !== 'string'
  )
    return undefined;
  return { seq, hash, time, signature, signer, statement: checkpointStatement(seq, hash, time) };
}

function checkpointLine(checkpoint: Checkpoint): string {
  return `${JSON.stringify({
    type: 'checkpoint',
    seq: checkpoint.seq,
    hash: checkpoint.hash,
    time: checkpoint.time,
    statement: checkpoint.statement,
    signature: checkpoint.signature,
    signer: checkpoint.signer,
  })}\n`;
}

function csvLine(row: StoredAuditRow): string {
  const values = [
    String(row.seq),
    row.id,
    new Date(row.timestamp).toISOString(),
    row.actor,
    row.operation,
    row.entity_type,
    row.entity_id ?? '',
    row.status,
    row.details,
    row.kms_operation_id ?? '',
    row.request_id ?? '',
    row.prev_hash,
    row.hash,
  ];
  return `${values.map(csvField).join(',')}\r\n`;
}

/**
 * RFC 4180 quoting, and a leading apostrophe before text a spreadsheet would run as a
 * formula (OWASP CSV injection): actors and details come from users. The NDJSON export is
 * the verifiable one and carries values unchanged.
 */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

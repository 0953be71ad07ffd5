/**
 * The tamper-evident audit chain. Each `audit_log` row stores `prev_hash` (the previous
 * row's `hash`, or 64 zeros for the first row) and
 *
 *     hash = hex(SHA-256(canonical(row)))
 *     canonical(row) = JSON array [1, seq, id, timestamp, actor, operation, entity_type,
 *                      entity_id, status, details, kms_operation_id, request_id, prev_hash]
 *
 * with `details` as canonical JSON (object keys sorted by UTF-16 code unit, no whitespace),
 * `timestamp` as integer milliseconds since the epoch, and the leading 1 the format version.
 * The row's position (`seq`) is hashed too, so moving a row is as visible as editing it.
 * Anyone can recompute it: `sqlite3 pki.sqlite "select …"` plus any SHA-256 tool.
 *
 * Appends never fork the chain: the last hash is read and the new row written inside one
 * BEGIN IMMEDIATE transaction, which holds SQLite's write lock from its first statement,
 * so a second writer (another connection or process) waits for the commit and then reads
 * the new last hash.
 */
import { hash as oneShotHash, randomUUID } from 'node:crypto';

import type Database from 'better-sqlite3';

import type { AuditStatus } from '@pki/shared';

export const GENESIS_PREV_HASH = '0'.repeat(64);
const CANONICAL_FORMAT_VERSION = 1;

export interface AuditEntry {
  actor: string;
  /** Dotted verb, e.g. `kms.sign`, `ca.createRoot`. */
  operation: string;
  entityType: string;
  entityId: string | null;
  status: AuditStatus;
  /** JSON values only (no undefined, no binary: hex it); never key material or secrets. */
  details: Record<string, unknown>;
  kmsOperationId?: string | null;
  requestId?: string | null;
  /** Defaults to a time-ordered UUID (version 7). */
  id?: string;
  /** Integer milliseconds; defaults to now. */
  timestamp?: number;
}

export interface AuditRecord {
  seq: number;
  id: string;
  timestamp: number;
  actor: string;
  operation: string;
  entityType: string;
  entityId: string | null;
  status: AuditStatus;
  /** Canonical JSON text, exactly as stored and hashed. */
  detailsJson: string;
  kmsOperationId: string | null;
  requestId: string | null;
  prevHash: string;
  hash: string;
}

export type AuditHashInput = Omit<AuditRecord, 'hash'>;

/**
 * Deterministic JSON: object keys sorted, no whitespace. Refuses what JSON cannot round-trip
 * (undefined, functions, NaN, Infinity, bigint, binary) instead of silently changing it,
 * since a value that reads back differently would break verification later.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`audit details: ${value} is not a finite number`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((item: unknown) => canonicalJson(item)).join(',')}]`;
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
        throw new TypeError('audit details: binary values must be hex-encoded first');
      }
      if (value instanceof Date) return JSON.stringify(value.getTime());
      return canonicalObject(value as Record<string, unknown>);
    }
    default:
      throw new TypeError(`audit details: a ${typeof value} cannot be stored as JSON`);
  }
}

/**
 * Keys in UTF-16 code unit order (what `Array.prototype.sort` does with no comparator);
 * objects built with their keys in that order, as the signature path does, skip the sort.
 */
function canonicalObject(value: Record<string, unknown>): string {
  const keys = Object.keys(value);
  for (let index = 1; index < keys.length; index += 1) {
    if ((keys[index - 1] as string) > (keys[index] as string)) {
      keys.sort();
      break;
    }
  }
  let text = '{';
  for (const key of keys) {
    const item = value[key];
    if (item === undefined) continue;
    if (text.length > 1) text += ',';
    text += `${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${text}}`;
}

/** The canonical text of a row, built by hand: JSON.stringify of strings and integers is already canonical. */
export function canonicalAuditRow(row: AuditHashInput): string {
  const text = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));
  return (
    `[${CANONICAL_FORMAT_VERSION},${row.seq},${text(row.id)},${row.timestamp},${text(row.actor)},` +
    `${text(row.operation)},${text(row.entityType)},${text(row.entityId)},${text(row.status)},` +
    `${row.detailsJson},${text(row.kmsOperationId)},${text(row.requestId)},${text(row.prevHash)}]`
  );
}

export function computeAuditHash(row: AuditHashInput): string {
  // The one-shot form: half the cost of createHash().update().digest() for a row this size.
  return oneShotHash('sha256', canonicalAuditRow(row), 'hex');
}

/**
 * A UUIDv7 (RFC 9562 §5.7): 48-bit millisecond timestamp, then random bits. Rows are
 * appended in time order, so ids sort like `seq` to the millisecond (and would grow any index
 * on them at its right edge; within a millisecond their order is random, and nothing reads it); 74 random bits keep them unique without a unique index paying a page per append.
 */
export function timeOrderedUuid(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  const random = randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}

/**
 * How far a row's timestamp may run ahead of the wall clock to stay in order after the
 * previous row's: covers writers on other connections whose clocks read a little later,
 * and small NTP steps.
 */
export const MAX_TIMESTAMP_LEAD_MS = 1000;

/** The row's time: the previous row's when the clock reads slightly earlier, else its own. */
export function orderedTimestamp(now: number, previous: number): number {
  return previous > now && previous - now <= MAX_TIMESTAMP_LEAD_MS ? previous : now;
}

/** The INSERT's parameters, in its column order. */
type InsertValues = [
  seq: number,
  id: string,
  timestamp: number,
  actor: string,
  operation: string,
  entityType: string,
  entityId: string | null,
  status: AuditStatus,
  details: string,
  kmsOperationId: string | null,
  requestId: string | null,
  prevHash: string,
  hash: string,
];

interface ChainTip {
  seq: number;
  hash: string;
  timestamp: number;
}

/**
 * Appends to the chain on one connection. Statements are prepared once, so an append costs
 * two indexed statements and one SHA-256 (what keeps audited signing near raw speed).
 *
 * Timestamps keep time order along `seq` (so time ranges map to `seq` ranges, time-range.ts,
 * and `audit_log` needs no timestamp index): a row's timestamp is the later of its own (now,
 * by default) and the previous row's, decided inside the write lock. That lead over the
 * wall clock is bounded by MAX_TIMESTAMP_LEAD_MS: a clock stepped back further than that
 * (a wrong clock corrected) is recorded as it is, because a row must never claim a time
 * that is not roughly when it happened. docs/AUDIT.md states the rule.
 */
export class AuditChain {
  readonly #sqlite: Database.Database;
  readonly #selectTip: Database.Statement<[], ChainTip>;
  readonly #insert: Database.Statement<InsertValues>;
  readonly #runImmediate: Database.Transaction<(work: () => unknown) => unknown>;

  constructor(sqlite: Database.Database) {
    this.#sqlite = sqlite;
    this.#selectTip = sqlite.prepare('SELECT seq, hash, timestamp FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.#insert = sqlite.prepare(
      `INSERT INTO audit_log
         (seq, id, timestamp, actor, operation, entity_type, entity_id, status, details, kms_operation_id, request_id, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#runImmediate = sqlite.transaction((work: () => unknown) => work());
  }

  /**
   * Runs `work` in a BEGIN IMMEDIATE transaction (a savepoint when already inside one):
   * the domain writes and `append` calls inside commit or roll back together.
   */
  transaction<T>(work: () => T): T {
    return this.#runImmediate.immediate(work) as T;
  }

  get isInTransaction(): boolean {
    return this.#sqlite.inTransaction;
  }

  /** Must run inside `transaction` (or the caller's own IMMEDIATE transaction on the same connection). */
  append(entry: AuditEntry): AuditRecord {
    this.#requireTransaction();
    if (entry.timestamp !== undefined && !Number.isSafeInteger(entry.timestamp)) {
      throw new TypeError('audit timestamp must be integer milliseconds');
    }
    const detailsJson = canonicalJson(entry.details);
    const tip = this.#selectTip.get();
    const withoutHash: AuditHashInput = {
      seq: (tip?.seq ?? 0) + 1,
      id: entry.id ?? timeOrderedUuid(),
      timestamp: orderedTimestamp(entry.timestamp ?? Date.now(), tip?.timestamp ?? 0),
      actor: entry.actor,
      operation: entry.operation,
      entityType: entry.entityType,
      entityId: entry.entityId,
      status: entry.status,
      detailsJson,
      kmsOperationId: entry.kmsOperationId ?? null,
      requestId: entry.requestId ?? null,
      prevHash: tip?.hash ?? GENESIS_PREV_HASH,
    };
    const record: AuditRecord = { ...withoutHash, hash: computeAuditHash(withoutHash) };
    // Positional: binding thirteen named parameters costs an audited signature ~1.5 µs more.
    this.#insert.run(
      record.seq,
      record.id,
      record.timestamp,
      record.actor,
      record.operation,
      record.entityType,
      record.entityId,
      record.status,
      record.detailsJson,
      record.kmsOperationId,
      record.requestId,
      record.prevHash,
      record.hash,
    );
    return record;
  }

  #requireTransaction(): void {
    if (!this.#sqlite.inTransaction) {
      throw new Error('audit rows are appended inside an IMMEDIATE transaction; call AuditChain.transaction');
    }
  }
}

/**
 * Walks the whole audit chain and names the first row that breaks it. What each fault means:
 * - `missing-row`:   a sequence number is absent (a row was deleted from the middle);
 * - `broken-link`:   a row's prev_hash is not the hash of the row before it (a row was
 *                    inserted, deleted and re-numbered, or rows were reordered);
 * - `hash-mismatch`: a row's content no longer matches its hash (it was edited);
 * - `malformed-row`: details are not the canonical JSON that was hashed;
 * - `truncated`:     rows were removed from the end (SQLite's AUTOINCREMENT counter,
 *                    `sqlite_sequence`, remembers a higher seq than the last row).
 * An attacker with write access who recomputes every hash after an edit, and fixes
 * sqlite_sequence, is not detectable by a chain alone: the signed checkpoints recorded in
 * the chain (checkpoint.ts) anchor it — given the signer, a walk checks each one
 * (`bad-checkpoint`, `unknown-signer`, `forged-checkpoint`, `checkpoint-mismatch`).
 */
import type Database from 'better-sqlite3';

import type { DatabaseHandle } from '../db/client.js';
import { checkpointOfRow, hashInputOf } from './audit-export.js';
import type { StoredAuditRow } from './audit-export.js';
import { canonicalJson } from './chain.js';
import { ChainWalker } from './chain-walker.js';
import type { ChainFault, ChainFaultReport, CheckpointSignerKey, WalkStart } from './chain-walker.js';
import { CHECKPOINT_OPERATION } from './checkpoint.js';
import type { Checkpoint } from './checkpoint.js';

export type AuditChainFault = ChainFault;

export type AuditChainVerification =
  | { isValid: true; rowCount: number; lastHash: string }
  | { isValid: false; firstBadSeq: number; reason: AuditChainFault; message: string; rowCount: number };

/** A walk of the stored chain, with what an incremental verification needs to resume. */
export type AuditChainWalk =
  | {
      isValid: true;
      rowCount: number;
      lastSeq: number;
      lastHash: string;
      checkpointCount: number;
      lastCheckpoint?: Checkpoint;
    }
  | { isValid: false; firstBadSeq: number; reason: AuditChainFault; message: string; rowCount: number };

export interface AuditChainWalkOptions {
  /** Resume after a row already verified (the last verified checkpoint's); the whole chain by default. */
  start?: WalkStart;
  /** Checks the checkpoints recorded in the chain; without it they are walked as rows only. */
  signer?: CheckpointSignerKey;
  /** Called every `progressEvery` rows with the number walked. */
  onProgress?: (walked: number) => void;
  progressEvery?: number;
}

export function verifyAuditChain(database: DatabaseHandle | Database.Database): AuditChainVerification {
  const walk = walkAuditChain('sqlite' in database ? database.sqlite : database);
  return walk.isValid ? { isValid: true, rowCount: walk.rowCount, lastHash: walk.lastHash } : walk;
}

/** Walks the stored chain in one read snapshot, so appends that commit meanwhile are not half-seen. */
export function walkAuditChain(sqlite: Database.Database, options: AuditChainWalkOptions = {}): AuditChainWalk {
  return sqlite.transaction(() => walkSnapshot(sqlite, options))();
}

function walkSnapshot(sqlite: Database.Database, options: AuditChainWalkOptions): AuditChainWalk {
  const highestSeqEverIssued =
    (sqlite.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").get() as { seq: number } | undefined)
      ?.seq ?? 0;
  const afterSeq = options.start?.afterSeq ?? 0;
  const rows = sqlite
    .prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq')
    .iterate(afterSeq) as IterableIterator<StoredAuditRow>;
  const walker = new ChainWalker({
    ...(options.start === undefined ? {} : { start: options.start }),
    ...(options.signer === undefined ? {} : { signer: options.signer }),
  });
  const progressEvery = options.progressEvery ?? 10_000;
  const fault = (report: ChainFaultReport): AuditChainWalk => ({
    isValid: false,
    firstBadSeq: report.seq,
    reason: report.reason,
    message: report.message,
    rowCount: walker.rowCount,
  });

  for (const row of rows) {
    const report = checkStoredRow(walker, row, options.signer !== undefined);
    if (report !== undefined) {
      rows.return?.();
      return fault(report);
    }
    if (options.onProgress !== undefined && walker.rowCount % progressEvery === 0) options.onProgress(walker.rowCount);
  }

  const expectedSeq = walker.lastSeq + 1;
  if (highestSeqEverIssued >= expectedSeq) {
    return fault({
      seq: expectedSeq,
      reason: 'truncated',
      message: `rows ${expectedSeq}–${highestSeqEverIssued} were removed from the end`,
    });
  }
  return {
    isValid: true,
    rowCount: walker.rowCount,
    lastSeq: walker.lastSeq,
    lastHash: walker.lastHash,
    checkpointCount: walker.checkpointCount,
    ...(walker.lastCheckpoint === undefined ? {} : { lastCheckpoint: walker.lastCheckpoint }),
  };
}

/** One stored row: canonical details, the chain rule, and its checkpoint when it records one. */
function checkStoredRow(
  walker: ChainWalker,
  row: StoredAuditRow,
  isCheckingCheckpoints: boolean,
): ChainFaultReport | undefined {
  if (!isCanonicalJson(row.details)) {
    return {
      seq: row.seq,
      reason: 'malformed-row',
      message: `row ${row.seq} details are not the canonical JSON that was hashed`,
    };
  }
  const report = walker.row(hashInputOf(row));
  if (report !== undefined || !isCheckingCheckpoints) return report;
  if (row.operation !== CHECKPOINT_OPERATION || row.status !== 'success') return undefined;
  const checkpoint = checkpointOfRow(row);
  if (checkpoint === undefined) {
    return {
      seq: row.seq,
      reason: 'bad-checkpoint',
      message: `row ${row.seq} records a checkpoint without its fields`,
    };
  }
  return walker.checkpoint(checkpoint);
}

function isCanonicalJson(text: string): boolean {
  try {
    return canonicalJson(JSON.parse(text)) === text;
  } catch {
    return false;
  }
}

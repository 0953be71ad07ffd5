/**
 * Verifies an NDJSON audit export with no server and no database (docs/AUDIT.md §7): the
 * chain rule on every row, every checkpoint's statement, signer and signature, that each
 * checkpoint's row is in the file with that hash, and that the file ends at a checkpoint
 * covering its last row. Reads line by line: a file of any size verifies in flat memory.
 */
import { X509Certificate } from 'node:crypto';

import { canonicalJson } from './chain.js';
import type { AuditRecord } from './chain.js';
import { ChainWalker, signerKeyOf } from './chain-walker.js';
import type { ChainFault } from './chain-walker.js';
import type { Checkpoint } from './checkpoint.js';

export type ExportFault = ChainFault | 'malformed-line' | 'not-ending-at-checkpoint';

export type ExportVerification =
  | { isIntact: true; rowCount: number; checkpointCount: number; firstSeq: number; lastSeq: number; lastHash: string }
  | { isIntact: false; line: number; reason: ExportFault; message: string };

const HEX_64 = /^[0-9a-f]{64}$/;

type RowLine = { type: 'row'; details: Record<string, unknown> } & Omit<AuditRecord, 'detailsJson'>;

type CheckpointLine = { type: 'checkpoint' } & Checkpoint;

export async function verifyAuditExport(
  lines: AsyncIterable<string> | Iterable<string>,
  signerCertificatePem: string,
): Promise<ExportVerification> {
  const signer = signerKeyOf(new X509Certificate(signerCertificatePem));
  let walker: ChainWalker | undefined;
  let firstSeq = 0;
  let lineNumber = 0;
  let isLastLineCoveringCheckpoint = false;

  const fault = (reason: ExportFault, message: string): ExportVerification => ({
    isIntact: false,
    line: lineNumber,
    reason,
    message: `line ${lineNumber}: ${message}`,
  });

  for await (const rawLine of lines) {
    if (rawLine.trim() === '') continue;
    lineNumber += 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawLine);
    } catch {
      return fault('malformed-line', 'not a JSON object');
    }
    if (isRowLine(parsed)) {
      isLastLineCoveringCheckpoint = false;
      if (walker === undefined) {
        firstSeq = parsed.seq;
        // From row 1 the chain's start is known; an export from the middle is anchored by its checkpoints.
        walker = new ChainWalker({ start: { afterSeq: parsed.seq - 1 }, signer });
      }
      let detailsJson: string;
      try {
        detailsJson = canonicalJson(parsed.details);
      } catch {
        return fault('malformed-line', `row ${parsed.seq} has details that are not plain JSON`);
      }
      const rowFault = walker.row({ ...parsed, detailsJson });
      if (rowFault !== undefined) return fault(rowFault.reason, rowFault.message);
      continue;
    }
    if (isCheckpointLine(parsed)) {
      if (walker === undefined)
        return fault('checkpoint-mismatch', `the checkpoint covers row ${parsed.seq}, which this file does not hold`);
      const checkpointFault = walker.checkpoint(parsed);
      if (checkpointFault !== undefined) return fault(checkpointFault.reason, checkpointFault.message);
      isLastLineCoveringCheckpoint = parsed.seq === walker.lastSeq;
      continue;
    }
    return fault('malformed-line', 'neither a row nor a checkpoint');
  }

  if (walker === undefined) {
    return { isIntact: false, line: lineNumber, reason: 'not-ending-at-checkpoint', message: 'the file holds no rows' };
  }
  if (!isLastLineCoveringCheckpoint) {
    return {
      isIntact: false,
      line: lineNumber,
      reason: 'not-ending-at-checkpoint',
      message: `the file does not end with a checkpoint covering its last row (${walker.lastSeq}): it is incomplete`,
    };
  }
  return {
    isIntact: true,
    rowCount: walker.rowCount,
    checkpointCount: walker.checkpointCount,
    firstSeq,
    lastSeq: walker.lastSeq,
    lastHash: walker.lastHash,
  };
}

function isRowLine(value: unknown): value is RowLine {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  const isText = (field: unknown) => typeof field === 'string';
  const isTextOrNull = (field: unknown) => field === null || typeof field === 'string';
  return (
    row.type === 'row' &&
    Number.isSafeInteger(row.seq) &&
    isText(row.id) &&
    Number.isSafeInteger(row.timestamp) &&
    isText(row.actor) &&
    isText(row.operation) &&
    isText(row.entityType) &&
    isTextOrNull(row.entityId) &&
    isText(row.status) &&
    typeof row.details === 'object' &&
    row.details !== null &&
    !Array.isArray(row.details) &&
    isTextOrNull(row.kmsOperationId) &&
    isTextOrNull(row.requestId) &&
    typeof row.prevHash === 'string' &&
    HEX_64.test(row.prevHash) &&
    typeof row.hash === 'string' &&
    HEX_64.test(row.hash)
  );
}

function isCheckpointLine(value: unknown): value is CheckpointLine {
  if (typeof value !== 'object' || value === null) return false;
  const line = value as Record<string, unknown>;
  return (
    line.type === 'checkpoint' &&
    Number.isSafeInteger(line.seq) &&
    typeof line.hash === 'string' &&
    typeof line.time === 'string' &&
    typeof line.statement === 'string' &&
    typeof line.signature === 'string' &&
    typeof line.signer === 'string'
  );
}

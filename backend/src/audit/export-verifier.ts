/**
 * Verifies an NDJSON audit export with no server and no database (docs/AUDIT.md §7): the
 * chain rule on every row, every checkpoint's statement, signer and signature, that each
 * checkpoint's row is in the file with that hash, and that the file ends at a checkpoint
 * covering its last row. Reads line by line: a file of any size verifies in flat memory.
 */
import { X509Certificate, createHash, verify } from 'node:crypto';

import { GENESIS_PREV_HASH, canonicalJson, computeAuditHash } from './chain.js';
import type { AuditRecord } from './chain.js';
import { checkpointStatement } from './checkpoint.js';
import type { Checkpoint } from './checkpoint.js';

export type ExportFault =
  | 'malformed-line'
  | 'missing-row'
  | 'broken-link'
  | 'hash-mismatch'
  | 'bad-checkpoint'
  | 'unknown-signer'
  | 'forged-checkpoint'
  | 'checkpoint-mismatch'
  | 'not-ending-at-checkpoint';

export type ExportVerification =
  | { isIntact: true; rowCount: number; checkpointCount: number; firstSeq: number; lastSeq: number; lastHash: string }
  | { isIntact: false; line: number; reason: ExportFault; message: string };

/** How many recent rows' hashes are kept to match checkpoints against (they follow their row closely). */
const RECENT_ROWS = 65_536;
const HEX_64 = /^[0-9a-f]{64}$/;

type RowLine = { type: 'row'; details: Record<string, unknown> } & Omit<AuditRecord, 'detailsJson'>;

type CheckpointLine = { type: 'checkpoint' } & Checkpoint;

export async function verifyAuditExport(
  lines: AsyncIterable<string> | Iterable<string>,
  signerCertificatePem: string,
): Promise<ExportVerification> {
  const signer = new X509Certificate(signerCertificatePem);
  const fingerprint = createHash('sha256').update(signer.raw).digest('hex');
  const recent = new Map<number, string>();
  let lineNumber = 0;
  let rowCount = 0;
  let checkpointCount = 0;
  let first: RowLine | undefined;
  let previous: RowLine | undefined;
  let isLastLineCoveringCheckpoint = false;

  const fault = (reason: ExportFault, message: string): ExportVerification => ({
    isIntact: false,
    line: lineNumber,
    reason,
    message: `line ${lineNumber}: ${message}`,
  });

  for await (const rawLine of lines) {
    lineNumber += 1;
    if (rawLine.trim() === '') {
      lineNumber -= 1;
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawLine);
    } catch {
      return fault('malformed-line', 'not a JSON object');
    }
    if (isRowLine(parsed)) {
      isLastLineCoveringCheckpoint = false;
      if (previous === undefined) {
        first = parsed;
        if (parsed.seq === 1 && parsed.prevHash !== GENESIS_PREV_HASH)
          return fault('broken-link', 'row 1 does not start the chain (prevHash is not 64 zeros)');
      } else {
        if (parsed.seq !== previous.seq + 1)
          return fault('missing-row', `row ${previous.seq + 1} is missing; the next row is ${parsed.seq}`);
        if (parsed.prevHash !== previous.hash)
          return fault('broken-link', `row ${parsed.seq} does not follow row ${previous.seq} (prevHash differs)`);
      }
      let detailsJson: string;
      try {
        detailsJson = canonicalJson(parsed.details);
      } catch {
        return fault('malformed-line', `row ${parsed.seq} has details that are not plain JSON`);
      }
      const recomputed = computeAuditHash({ ...parsed, detailsJson });
      if (recomputed !== parsed.hash)
        return fault('hash-mismatch', `row ${parsed.seq} was changed after it was written`);
      recent.set(parsed.seq, parsed.hash);
      if (recent.size > RECENT_ROWS) recent.delete(parsed.seq - RECENT_ROWS);
      rowCount += 1;
      previous = parsed;
      continue;
    }
    if (isCheckpointLine(parsed)) {
      checkpointCount += 1;
      if (parsed.statement !== checkpointStatement(parsed.seq, parsed.hash, parsed.time))
        return fault('bad-checkpoint', `the checkpoint for row ${parsed.seq} does not carry its own statement`);
      if (parsed.signer !== fingerprint)
        return fault(
          'unknown-signer',
          `the checkpoint for row ${parsed.seq} is signed by ${parsed.signer}, not by the given signer`,
        );
      if (!isSignatureValid(signer, parsed))
        return fault('forged-checkpoint', `the checkpoint for row ${parsed.seq} has a signature that does not verify`);
      const coveredHash =
        recent.get(parsed.seq) ?? (first !== undefined && parsed.seq === first.seq - 1 ? first.prevHash : undefined);
      if (coveredHash === undefined)
        return fault('checkpoint-mismatch', `the checkpoint covers row ${parsed.seq}, which this file does not hold`);
      if (coveredHash !== parsed.hash)
        return fault(
          'checkpoint-mismatch',
          `row ${parsed.seq} is not the row the checkpoint signed (its hash differs): the chain was rewritten`,
        );
      isLastLineCoveringCheckpoint = previous !== undefined && parsed.seq === previous.seq;
      continue;
    }
    return fault('malformed-line', 'neither a row nor a checkpoint');
  }

  if (first === undefined || previous === undefined) {
    return { isIntact: false, line: lineNumber, reason: 'not-ending-at-checkpoint', message: 'the file holds no rows' };
  }
  if (!isLastLineCoveringCheckpoint) {
    return {
      isIntact: false,
      line: lineNumber,
      reason: 'not-ending-at-checkpoint',
      message: `the file does not end with a checkpoint covering its last row (${previous.seq}): it is incomplete`,
    };
  }
  return {
    isIntact: true,
    rowCount,
    checkpointCount,
    firstSeq: first.seq,
    lastSeq: previous.seq,
    lastHash: previous.hash,
  };
}

function isSignatureValid(signer: X509Certificate, checkpoint: CheckpointLine): boolean {
  try {
    const key = signer.publicKey;
    const options = key.asymmetricKeyType === 'ec' ? { key, dsaEncoding: 'der' as const } : key;
    return verify(
      'sha256',
      Buffer.from(checkpoint.statement, 'utf8'),
      options,
      Buffer.from(checkpoint.signature, 'base64'),
    );
  } catch {
    return false;
  }
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

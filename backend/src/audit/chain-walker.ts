/**
 * The chain rule and the checkpoint rule of docs/AUDIT.md §3 and §7, one row or checkpoint
 * at a time, so the database verifier, the background verification and the offline export
 * verifier check exactly the same things. A walker holds only the last row and a window of
 * recent hashes (checkpoints follow the rows they cover closely), so any size walks in flat
 * memory.
 */
import { createHash, verify } from 'node:crypto';
import type { KeyObject, X509Certificate } from 'node:crypto';

import { GENESIS_PREV_HASH, computeAuditHash } from './chain.js';
import type { AuditHashInput } from './chain.js';
import { checkpointStatement } from './checkpoint.js';
import type { Checkpoint } from './checkpoint.js';

export type ChainFault =
  | 'missing-row'
  | 'broken-link'
  | 'hash-mismatch'
  | 'malformed-row'
  | 'truncated'
  | 'bad-checkpoint'
  | 'unknown-signer'
  | 'forged-checkpoint'
  | 'checkpoint-mismatch';

export interface ChainFaultReport {
  /** The first row (or the row a checkpoint covers) at fault. */
  seq: number;
  reason: ChainFault;
  message: string;
}

/** Whom checkpoints must be signed by. */
export interface CheckpointSignerKey {
  fingerprint: string;
  publicKey: KeyObject;
}

/** Where a walk starts: row 1 by default, or after a row already verified. */
export interface WalkStart {
  /** The `seq` of the last row before the walk; 0 for the start of the chain. */
  afterSeq: number;
  /** That row's hash (64 zeros before row 1); undefined to take the first row's prevHash as given (an export from the middle). */
  afterHash?: string;
}

const RECENT_ROWS = 65_536;

export function signerKeyOf(certificate: X509Certificate): CheckpointSignerKey {
  return {
    fingerprint: createHash('sha256').update(certificate.raw).digest('hex'),
    publicKey: certificate.publicKey,
  };
}

export class ChainWalker {
  readonly #signer: CheckpointSignerKey | undefined;
  readonly #recent = new Map<number, string>();
  #expectedSeq: number;
  #expectedPrevHash: string | undefined;
  #rowCount = 0;
  #checkpointCount = 0;
  #lastHash: string;
  #lastCheckpoint: Checkpoint | undefined;

  constructor(options: { start?: WalkStart; signer?: CheckpointSignerKey } = {}) {
    const start = options.start ?? { afterSeq: 0, afterHash: GENESIS_PREV_HASH };
    this.#signer = options.signer;
    this.#expectedSeq = start.afterSeq + 1;
    this.#expectedPrevHash = start.afterSeq === 0 ? GENESIS_PREV_HASH : start.afterHash;
    this.#lastHash = this.#expectedPrevHash ?? GENESIS_PREV_HASH;
    if (this.#expectedPrevHash !== undefined) this.#recent.set(start.afterSeq, this.#expectedPrevHash);
  }

  get rowCount(): number {
    return this.#rowCount;
  }

  get checkpointCount(): number {
    return this.#checkpointCount;
  }

  /** The `seq` of the last row walked (the start's when none was). */
  get lastSeq(): number {
    return this.#expectedSeq - 1;
  }

  get lastHash(): string {
    return this.#lastHash;
  }

  /** The last checkpoint that verified. */
  get lastCheckpoint(): Checkpoint | undefined {
    return this.#lastCheckpoint;
  }

  /** Checks the next row (with `detailsJson` as stored, or as canonicalized from an export). */
  row(row: AuditHashInput & { hash: string }): ChainFaultReport | undefined {
    if (row.seq !== this.#expectedSeq) {
      return {
        seq: this.#expectedSeq,
        reason: 'missing-row',
        message: `row ${this.#expectedSeq} is missing; the next row is ${row.seq}`,
      };
    }
    if (this.#expectedPrevHash === undefined) {
      // An export from the middle: its first link is taken as given, and anchored by checkpoints.
      this.#recent.set(row.seq - 1, row.prevHash);
    } else if (row.prevHash !== this.#expectedPrevHash) {
      const message =
        row.seq === 1
          ? 'row 1 does not start the chain (prevHash is not 64 zeros)'
          : `row ${row.seq} does not follow row ${row.seq - 1} (prevHash differs)`;
      return { seq: row.seq, reason: 'broken-link', message };
    }
    if (computeAuditHash(row) !== row.hash) {
      return { seq: row.seq, reason: 'hash-mismatch', message: `row ${row.seq} was changed after it was written` };
    }
    this.#recent.set(row.seq, row.hash);
    if (this.#recent.size > RECENT_ROWS) this.#recent.delete(row.seq - RECENT_ROWS);
    this.#rowCount += 1;
    this.#expectedSeq = row.seq + 1;
    this.#expectedPrevHash = row.hash;
    this.#lastHash = row.hash;
    return undefined;
  }

  /** Checks a checkpoint: its statement, signer and signature, and that it signed the row walked at its `seq`. */
  checkpoint(checkpoint: Checkpoint): ChainFaultReport | undefined {
    const fault = (reason: ChainFault, message: string): ChainFaultReport => ({ seq: checkpoint.seq, reason, message });
    if (checkpoint.statement !== checkpointStatement(checkpoint.seq, checkpoint.hash, checkpoint.time))
      return fault('bad-checkpoint', `the checkpoint for row ${checkpoint.seq} does not carry its own statement`);
    if (this.#signer === undefined)
      return fault('unknown-signer', `the checkpoint for row ${checkpoint.seq} cannot be checked without the signer`);
    if (checkpoint.signer !== this.#signer.fingerprint)
      return fault(
        'unknown-signer',
        `the checkpoint for row ${checkpoint.seq} is signed by ${checkpoint.signer}, not by the audit signer`,
      );
    if (!isSignatureValid(this.#signer.publicKey, checkpoint))
      return fault(
        'forged-checkpoint',
        `the checkpoint for row ${checkpoint.seq} has a signature that does not verify`,
      );
    const covered = this.#recent.get(checkpoint.seq);
    if (covered === undefined)
      return fault('checkpoint-mismatch', `the checkpoint covers row ${checkpoint.seq}, which was not walked`);
    if (covered !== checkpoint.hash)
      return fault(
        'checkpoint-mismatch',
        `row ${checkpoint.seq} is not the row the checkpoint signed (its hash differs): the chain was rewritten`,
      );
    this.#checkpointCount += 1;
    this.#lastCheckpoint = checkpoint;
    return undefined;
  }
}

function isSignatureValid(publicKey: KeyObject, checkpoint: Checkpoint): boolean {
  try {
    const key = publicKey.asymmetricKeyType === 'ec' ? { key: publicKey, dsaEncoding: 'der' as const } : publicKey;
    return verify(
      'sha256',
      Buffer.from(checkpoint.statement, 'utf8'),
      key,
      Buffer.from(checkpoint.signature, 'base64'),
    );
  } catch {
    return false;
  }
}

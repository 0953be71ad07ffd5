/**
 * Signed checkpoints (docs/AUDIT.md §5): the audit-signing key states the `seq` and `hash`
 * of the last row it covers, in a fixed text that any tool can check with
 * `openssl dgst -sha256 -verify`. A chain rewritten with consistent hashes no longer matches
 * the checkpoints signed before the rewrite.
 */
import type { RequestContext } from '../request-context.js';

export const CHECKPOINT_OPERATION = 'audit.checkpoint';
export const CHECKPOINT_ENTITY = 'audit_log';

/** The key that signs checkpoints; made in the key store for this alone. */
export interface AuditSigner {
  /** Lowercase hex SHA-256 of the signer certificate's DER. */
  readonly fingerprint: string;
  readonly certificatePem: string;
  /** An ECDSA P-256 (DER) or RSA PKCS#1 v1.5 signature over SHA-256 of `statement`. */
  sign(ctx: RequestContext, statement: Uint8Array): Promise<Uint8Array>;
}

export interface Checkpoint {
  seq: number;
  hash: string;
  /** RFC 3339 UTC, whole seconds. */
  time: string;
  statement: string;
  /** Base64 of the DER signature. */
  signature: string;
  signer: string;
}

/** The exact signed text: four LF-terminated lines. */
export function checkpointStatement(seq: number, hash: string, time: string): string {
  return `pki-manager audit checkpoint v1\nseq=${seq}\nhash=${hash}\ntime=${time}\n`;
}

/** RFC 3339 in UTC with whole seconds, as the statement carries it. */
export function checkpointTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export async function signCheckpoint(
  ctx: RequestContext,
  signer: AuditSigner,
  covered: { seq: number; hash: string },
  now: Date,
): Promise<Checkpoint> {
  const time = checkpointTime(now);
  const statement = checkpointStatement(covered.seq, covered.hash, time);
  const signature = await signer.sign(ctx, new TextEncoder().encode(statement));
  return {
    seq: covered.seq,
    hash: covered.hash,
    time,
    statement,
    signature: Buffer.from(signature).toString('base64'),
    signer: signer.fingerprint,
  };
}

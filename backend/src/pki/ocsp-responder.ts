/**
 * The OCSP responder (RFC 6960): answers good, revoked or unknown for certificates of our
 * CAs, signed by the CA's delegated OCSP-signing certificate (ocsp-signer-renewal.ts keeps
 * one live per CA; the CA key only until it exists), with nonce echo (RFC 8954) and
 * thisUpdate/nextUpdate. `respond` never throws.
 *
 * What a flood can make it do is bounded:
 * - answers are pre-signed per serial (ocsp-response-cache.ts) and reused until shortly
 *   before their nextUpdate, so a repeated question costs a database read and no signature;
 *   a cached answer is served only while the database still gives the status it encodes;
 * - fresh signatures (cache fills, refreshes, unknown serials, several CertIDs) are drawn
 *   from a signing budget, nonces from a smaller nonce budget (both token buckets). A nonce
 *   beyond its budget is left out of the answer, as RFC 8954 §3 allows; a fill beyond the
 *   signing budget gets tryLater;
 * - a serial the CA never issued is answered unauthorized, unsigned (RFC 5019 §2.2.3, as
 *   Let's Encrypt's responder does): a flood of random serials costs no signature at all;
 * - the key store away (KMS unavailable, timeout, circuit open) gives a still-valid cached
 *   answer, else tryLater, never internalError;
 * - outcomes are counted into one audit row per CA per minute (ocsp-activity.ts).
 */
import { createHash } from 'node:crypto';

import type { Logger } from 'pino';

import type { KeyAlgorithm } from '@pki/shared';

import type { CertificateRepository } from '../db/certificate-repository.js';
import { KmsError } from '../kms/errors.js';
import type { RequestContext } from '../request-context.js';
import { OID } from './asn1/oids.js';
import type { CaDirectory } from './ca-directory.js';
import { parseCertificateDer } from './certificate-parser.js';
import { signTbs, signatureAlgorithmFor } from './kms-signer.js';
import type { PkiKms, SignatureAlgorithm } from './kms-signer.js';
import type { OcspActivity, OcspOutcome } from './ocsp-activity.js';
import { OcspMalformedRequest, parseOcspRequest } from './ocsp-request.js';
import type { OcspCertId } from './ocsp-request.js';
import { OcspResponseCache } from './ocsp-response-cache.js';
import {
  assembleOcspResponse,
  encodeResponseData,
  encodeSingleResponse,
  ocspErrorResponse,
} from './ocsp-response-builder.js';
import type { CertStatus } from './ocsp-response-builder.js';
import { TokenBucket } from './ocsp-token-bucket.js';
import type { TokenBucketLimits } from './ocsp-token-bucket.js';
import type { PkiEvents } from './pki-events.js';
import { OCSP_SIGNING_PROFILE } from './profiles.js';
import { subjectPublicKeyBits } from './public-key.js';

export interface OcspBudgets {
  /** Every fresh signature. */
  signing: TokenBucketLimits;
  /** Signatures that echo a nonce (also drawn from `signing`). */
  nonce: TokenBucketLimits;
}

/** A signature is a key-store call and a `kms.sign` audit row: these bound what anonymous callers can cause. */
export const DEFAULT_OCSP_BUDGETS: OcspBudgets = {
  signing: { capacity: 200, refillPerSecond: 100 },
  nonce: { capacity: 50, refillPerSecond: 20 },
};

export interface OcspResponderDependencies {
  certificates: CertificateRepository;
  kms: PkiKms;
  directory: CaDirectory;
  events: PkiEvents;
  log: Logger;
  /** Counts answers into aggregated audit rows; none when absent. */
  activity?: OcspActivity;
  /** nextUpdate − thisUpdate of each response; default one hour. */
  validitySeconds?: number;
  /** Upper bound of cached responses; the least recently stored go first. */
  cacheLimit?: number;
  budgets?: OcspBudgets;
  /** Told when a CA has no live delegated signer, so one can be issued (ocsp-signer-renewal.ts). */
  onSignerMissing?: (caId: string) => void;
  now?: () => Date;
}

interface Signer {
  keyId: string;
  signatureAlgorithm: SignatureAlgorithm;
  responderKeyHash: Uint8Array;
  certificates: Uint8Array[];
  /** Re-evaluated after this instant (a delegated certificate may appear or expire). */
  checkAfter: number;
}

interface Answer {
  der: Uint8Array;
  outcome: OcspOutcome;
}

const HASH_BY_OID: Record<string, string> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};
const SIGNER_RECHECK_MS = 60_000;
/** A delegated certificate this close to its end is no longer used. */
const SIGNER_MIN_REMAINING_MS = 3_600_000;
const TRY_LATER = ocspErrorResponse('tryLater');
const UNAUTHORIZED = ocspErrorResponse('unauthorized');
const MALFORMED = ocspErrorResponse('malformedRequest');
const INTERNAL_ERROR = ocspErrorResponse('internalError');

export class OcspResponder {
  readonly #deps: OcspResponderDependencies;
  readonly #now: () => Date;
  readonly #validityMs: number;
  /** How long before nextUpdate a cached answer is re-signed. */
  readonly #refreshMarginMs: number;
  readonly #cache: OcspResponseCache;
  readonly #signingBudget: TokenBucket;
  readonly #nonceBudget: TokenBucket;
  readonly #signers = new Map<string, Signer>();
  #issuerIndex = new Map<string, string>();
  #issuerIndexBuiltAt = 0;

  constructor(dependencies: OcspResponderDependencies) {
    this.#deps = dependencies;
    this.#now = dependencies.now ?? (() => new Date());
    this.#validityMs = (dependencies.validitySeconds ?? 3600) * 1000;
    this.#refreshMarginMs = Math.max(Math.min(this.#validityMs / 10, 600_000), Math.min(60_000, this.#validityMs / 2));
    this.#cache = new OcspResponseCache(dependencies.cacheLimit ?? 100_000);
    const budgets = dependencies.budgets ?? DEFAULT_OCSP_BUDGETS;
    this.#signingBudget = new TokenBucket(budgets.signing);
    this.#nonceBudget = new TokenBucket(budgets.nonce);
    dependencies.events.onStatusChanged(({ caId, serialHex }) => this.invalidate(caId, serialHex));
  }

  /** Drops cached answers for one serial, or for every serial (and the signer) of the CA. */
  invalidate(caId: string, serialHex: string | null): void {
    this.#cache.invalidate(caId, serialHex);
    if (serialHex !== null) return;
    this.#signers.delete(caId);
    this.#issuerIndexBuiltAt = 0;
  }

  get cachedResponses(): number {
    return this.#cache.size;
  }

  /** Writes the OCSP activity counted so far as its aggregated audit rows (tests, shutdown). */
  flushActivity(): Promise<void> {
    return this.#deps.activity?.flush() ?? Promise.resolve();
  }

  /** Counts an answer the HTTP route gave without asking us (the per-client limit). */
  countRefused(outcome: 'clientLimited'): void {
    this.#deps.activity?.count(null, outcome);
  }

  /** `ctx` is the request asking (the HTTP route's request id); a signature's audit row carries it. */
  async respond(ctx: RequestContext, requestDer: Uint8Array): Promise<Uint8Array> {
    const trace: { caId: string | null } = { caId: null };
    let answer: Answer;
    try {
      answer = await this.#respond(ctx, requestDer, trace);
    } catch (error) {
      if (error instanceof OcspMalformedRequest) {
        answer = { der: MALFORMED, outcome: 'malformedRequest' };
      } else if (isKeyStoreOutage(error)) {
        this.#deps.log.debug({ err: error, caId: trace.caId }, 'OCSP answered tryLater: the key store is unavailable');
        answer = { der: TRY_LATER, outcome: 'tryLater' };
      } else {
        this.#deps.log.error({ err: error }, 'OCSP response failed');
        answer = { der: INTERNAL_ERROR, outcome: 'internalError' };
      }
    }
    this.#deps.activity?.count(trace.caId, answer.outcome);
    return answer.der;
  }

  async #respond(ctx: RequestContext, requestDer: Uint8Array, trace: { caId: string | null }): Promise<Answer> {
    const request = parseOcspRequest(requestDer);
    const [first] = request.certIds;
    const caId = first ? this.#issuerOf(first) : null;
    if (!first || !caId) return { der: UNAUTHORIZED, outcome: 'unauthorized' };
    trace.caId = caId;
    const now = this.#now();
    if (request.certIds.length === 1) return this.#answerOne(ctx, caId, first, request.nonceExtensionValue, now);

    // Several CertIDs in one request: rare (openssl can), never cached, always a fresh signature.
    if (!this.#signingBudget.tryTake()) return { der: TRY_LATER, outcome: 'tryLater' };
    const statuses = request.certIds.map((certId) =>
      this.#issuerOf(certId) === caId ? this.#statusOf(caId, certId.serialHex) : ({ status: 'unknown' } as const),
    );
    const der = await this.#sign(ctx, caId, request.certIds, statuses, request.nonceExtensionValue, now);
    return { der, outcome: request.nonceExtensionValue === null ? 'signed' : 'nonceSigned' };
  }

  async #answerOne(
    ctx: RequestContext,
    caId: string,
    certId: OcspCertId,
    nonce: Uint8Array | null,
    now: Date,
  ): Promise<Answer> {
    const nowMs = now.getTime();
    const status = this.#statusOf(caId, certId.serialHex);
    // A serial this CA never issued costs nothing: no signature, no row (RFC 5019 §2.2.3), so a flood of random serials is cheap.
    if (status.status === 'unknown') return { der: UNAUTHORIZED, outcome: 'unauthorized' };
    const statusKey = statusKeyOf(status);
    const certIdHex = Buffer.from(certId.der).toString('hex');
    const cached = this.#cache.get(caId, certId.serialHex, certIdHex);
    const usable = cached && cached.statusKey === statusKey && cached.expiresAtMs > nowMs ? cached : undefined;
    if (cached && !usable) this.#cache.invalidate(caId, certId.serialHex);

    if (nonce !== null && this.#nonceBudget.tryTake()) {
      if (this.#signingBudget.tryTake()) {
        try {
          return { der: await this.#sign(ctx, caId, [certId], [status], nonce, now), outcome: 'nonceSigned' };
        } catch (error) {
          if (!usable || !isKeyStoreOutage(error)) throw error;
          return { der: usable.der, outcome: 'staleServed' };
        }
      }
      this.#nonceBudget.giveBack();
    }
    const cachedOutcome: OcspOutcome = nonce === null ? 'cached' : 'nonceOmitted';
    if (usable && usable.refreshAfterMs > nowMs) return { der: usable.der, outcome: cachedOutcome };

    if (this.#signingBudget.tryTake()) {
      let der: Uint8Array;
      try {
        der = await this.#sign(ctx, caId, [certId], [status], null, now);
      } catch (error) {
        if (!usable || !isKeyStoreOutage(error)) throw error;
        return { der: usable.der, outcome: 'staleServed' };
      }
      // Cached only if the status did not change while the key store signed.
      if (statusKeyOf(this.#statusOf(caId, certId.serialHex)) === statusKey) {
        const thisUpdateMs = Math.floor(nowMs / 1000) * 1000;
        this.#cache.set(caId, certId.serialHex, certIdHex, {
          der,
          statusKey,
          refreshAfterMs: thisUpdateMs + this.#validityMs - this.#refreshMarginMs,
          expiresAtMs: thisUpdateMs + this.#validityMs,
        });
      }
      return { der, outcome: nonce === null ? 'signed' : 'nonceOmitted' };
    }
    if (usable) return { der: usable.der, outcome: 'staleServed' };
    return { der: TRY_LATER, outcome: 'tryLater' };
  }

  async #sign(
    ctx: RequestContext,
    caId: string,
    certIds: readonly OcspCertId[],
    statuses: readonly CertStatus[],
    nonce: Uint8Array | null,
    now: Date,
  ): Promise<Uint8Array> {
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + this.#validityMs);
    const singles = certIds.map((certId, index) =>
      encodeSingleResponse({
        certIdDer: certId.der,
        certStatus: statuses[index] ?? { status: 'unknown' },
        thisUpdate,
        nextUpdate,
      }),
    );
    const signer = this.#signerFor(caId, now.getTime());
    const responseData = encodeResponseData({
      responderKeyHash: signer.responderKeyHash,
      producedAt: thisUpdate,
      singleResponses: singles,
      nonceExtensionValue: nonce,
    });
    const signature = await signTbs(this.#deps.kms, ctx, signer.keyId, signer.signatureAlgorithm, responseData);
    return assembleOcspResponse(
      responseData,
      signer.signatureAlgorithm.algorithmIdentifier,
      signature,
      signer.certificates,
    );
  }

  #statusOf(caId: string, serialHex: string): CertStatus {
    const row = this.#deps.certificates.findStatus(caId, serialHex);
    if (!row) return { status: 'unknown' };
    if (row.status === 'revoked') {
      return { status: 'revoked', revokedAt: row.revokedAt ?? new Date(0), reason: row.revocationReason };
    }
    return { status: 'good' };
  }

  /** The CA a CertID names, by the hashes of its name and key under the request's algorithm. */
  #issuerOf(certId: OcspCertId): string | null {
    const hash = HASH_BY_OID[certId.hashAlgorithmOid];
    if (!hash) return null;
    const key = `${hash}:${Buffer.from(certId.issuerNameHash).toString('hex')}:${Buffer.from(certId.issuerKeyHash).toString('hex')}`;
    let caId = this.#issuerIndex.get(key);
    if (caId === undefined && Date.now() - this.#issuerIndexBuiltAt > 1000) {
      this.#rebuildIssuerIndex();
      caId = this.#issuerIndex.get(key);
    }
    return caId ?? null;
  }

  #rebuildIssuerIndex(): void {
    const index = new Map<string, string>();
    for (const record of this.#deps.directory.list()) {
      if (!record.certificate) continue;
      const keyBits = subjectPublicKeyBits(record.certificate.subjectPublicKeyInfo);
      for (const hash of Object.values(HASH_BY_OID)) {
        const nameHash = createHash(hash).update(record.certificate.subjectName).digest('hex');
        const keyHash = createHash(hash).update(keyBits).digest('hex');
        index.set(`${hash}:${nameHash}:${keyHash}`, record.row.id);
      }
    }
    this.#issuerIndex = index;
    this.#issuerIndexBuiltAt = Date.now();
  }

  #signerFor(caId: string, nowMs: number): Signer {
    const cached = this.#signers.get(caId);
    if (cached && cached.checkAfter > nowMs) return cached;
    const delegated = this.#delegatedSigner(caId, nowMs);
    let signer: Signer;
    if (delegated) {
      const certificate = parseCertificateDer(new Uint8Array(delegated.der));
      signer = {
        keyId: delegated.keyId,
        signatureAlgorithm: signatureAlgorithmFor(delegated.algorithm),
        responderKeyHash: createHash('sha1').update(subjectPublicKeyBits(certificate.subjectPublicKeyInfo)).digest(),
        certificates: [certificate.der],
        checkAfter: nowMs + SIGNER_RECHECK_MS,
      };
    } else {
      this.#deps.onSignerMissing?.(caId);
      const record = this.#deps.directory.get(caId);
      if (!record.certificate) throw new Error(`CA ${caId} has no certificate to answer for`);
      signer = {
        keyId: record.row.keyId,
        signatureAlgorithm: signatureAlgorithmFor(record.keyAlgorithm),
        responderKeyHash: createHash('sha1')
          .update(subjectPublicKeyBits(record.certificate.subjectPublicKeyInfo))
          .digest(),
        certificates: [],
        checkAfter: nowMs + SIGNER_RECHECK_MS,
      };
    }
    this.#signers.set(caId, signer);
    return signer;
  }

  /** The CA's longest-lived delegated OCSP certificate whose key is still active, if any. */
  #delegatedSigner(caId: string, nowMs: number): { der: Uint8Array; keyId: string; algorithm: KeyAlgorithm } | null {
    const candidates = this.#deps.certificates.listActiveOfProfile(
      caId,
      OCSP_SIGNING_PROFILE.id,
      new Date(nowMs + SIGNER_MIN_REMAINING_MS),
    );
    for (const candidate of candidates) {
      const key = candidate.keyId === null ? undefined : this.#deps.kms.findKey(candidate.keyId);
      if (key?.state === 'active') return { der: candidate.der, keyId: key.id, algorithm: key.algorithm };
    }
    return null;
  }
}

/** The status a response encodes, comparable with the database's current one. */
function statusKeyOf(status: CertStatus): string {
  if (status.status !== 'revoked') return status.status;
  return `revoked:${status.revokedAt.getTime()}:${status.reason ?? ''}`;
}

/** The key store away or overloaded, or its circuit open: worth asking again later. */
function isKeyStoreOutage(error: unknown): boolean {
  return error instanceof KmsError && error.isRetryable;
}

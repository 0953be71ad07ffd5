/**
 * The OCSP responder (RFC 6960): answers good, revoked or unknown for certificates of our
 * CAs, signed by the CA key or by the CA's delegated OCSP-signing certificate when one is
 * live, with nonce echo (RFC 8954) and thisUpdate/nextUpdate. Responses to nonce-less
 * requests are cached per CA and serial until half their validity has passed, and dropped
 * the moment that certificate (or its CA) is revoked. `respond` never throws: bad input
 * gets malformedRequest, an issuer we do not serve gets unauthorized, a fault internalError.
 */
import { createHash } from 'node:crypto';

import type Database from 'better-sqlite3';
import type { Logger } from 'pino';

import type { KeyAlgorithm, RevocationReason } from '@pki/shared';

import { systemContext } from '../request-context.js';
import type { RequestContext } from '../request-context.js';
import { OID } from './asn1/oids.js';
import type { CaDirectory } from './ca-directory.js';
import { parseCertificateDer } from './certificate-parser.js';
import { signTbs, signatureAlgorithmFor } from './kms-signer.js';
import type { PkiKms, SignatureAlgorithm } from './kms-signer.js';
import { OcspMalformedRequest, parseOcspRequest } from './ocsp-request.js';
import type { OcspCertId } from './ocsp-request.js';
import {
  assembleOcspResponse,
  encodeResponseData,
  encodeSingleResponse,
  ocspErrorResponse,
} from './ocsp-response-builder.js';
import type { CertStatus } from './ocsp-response-builder.js';
import type { PkiEvents } from './pki-events.js';
import { subjectPublicKeyBits } from './public-key.js';

export interface OcspResponderDependencies {
  sqlite: Database.Database;
  kms: PkiKms;
  directory: CaDirectory;
  events: PkiEvents;
  log: Logger;
  /** nextUpdate − thisUpdate of each response; default one hour. */
  validitySeconds?: number;
  /** Upper bound of cached responses; the oldest go first. */
  cacheLimit?: number;
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

interface CachedResponse {
  der: Uint8Array;
  refreshAfter: number;
}

interface StatusRow {
  status: 'active' | 'revoked' | 'expired';
  revocation_reason: RevocationReason | null;
  revoked_at: number | null;
}

interface SignerRow {
  der: Buffer;
  key_id: string;
  algorithm: KeyAlgorithm;
}

const HASH_BY_OID: Record<string, string> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};
const RESPONDER_CONTEXT: RequestContext = systemContext('ocsp', 'ocsp');
const SIGNER_RECHECK_MS = 60_000;
/** A delegated certificate this close to its end is no longer used. */
const SIGNER_MIN_REMAINING_MS = 3_600_000;

export class OcspResponder {
  readonly #deps: OcspResponderDependencies;
  readonly #now: () => Date;
  readonly #validityMs: number;
  readonly #cacheLimit: number;
  readonly #selectStatus: Database.Statement<[string, string], StatusRow>;
  readonly #selectSigner: Database.Statement<[string, number], SignerRow>;
  readonly #cache = new Map<string, CachedResponse>();
  readonly #signers = new Map<string, Signer>();
  #issuerIndex = new Map<string, string>();
  #issuerIndexBuiltAt = 0;

  constructor(dependencies: OcspResponderDependencies) {
    this.#deps = dependencies;
    this.#now = dependencies.now ?? (() => new Date());
    this.#validityMs = (dependencies.validitySeconds ?? 3600) * 1000;
    this.#cacheLimit = dependencies.cacheLimit ?? 100_000;
    this.#selectStatus = dependencies.sqlite.prepare(
      'SELECT status, revocation_reason, revoked_at FROM certificates WHERE ca_id = ? AND serial_hex = ?',
    );
    this.#selectSigner = dependencies.sqlite.prepare(
      `SELECT c.der, c.key_id, k.algorithm FROM certificates c JOIN kms_keys k ON k.id = c.key_id
       WHERE c.ca_id = ? AND c.profile = 'ocsp-signing' AND c.status = 'active' AND k.state = 'active' AND c.not_after > ?
       ORDER BY c.not_after DESC LIMIT 1`,
    );
    dependencies.events.onStatusChanged(({ caId, serialHex }) => this.invalidate(caId, serialHex));
  }

  /** Drops cached answers for one serial, or for every serial of the CA. */
  invalidate(caId: string, serialHex: string | null): void {
    const prefix = serialHex === null ? `${caId}:` : `${caId}:${serialHex}:`;
    for (const key of this.#cache.keys()) if (key.startsWith(prefix)) this.#cache.delete(key);
    this.#signers.delete(caId);
    this.#issuerIndexBuiltAt = 0;
  }

  async respond(requestDer: Uint8Array): Promise<Uint8Array> {
    try {
      return await this.#respond(requestDer);
    } catch (error) {
      if (error instanceof OcspMalformedRequest) return ocspErrorResponse('malformedRequest');
      this.#deps.log.error({ err: error }, 'OCSP response failed');
      return ocspErrorResponse('internalError');
    }
  }

  async #respond(requestDer: Uint8Array): Promise<Uint8Array> {
    const request = parseOcspRequest(requestDer);
    const [first] = request.certIds;
    const caId = first ? this.#issuerOf(first) : null;
    if (!first || !caId) return ocspErrorResponse('unauthorized');

    const now = this.#now();
    const isCacheable = request.nonceExtensionValue === null && request.certIds.length === 1;
    const cacheKey = `${caId}:${first.serialHex}:${Buffer.from(first.der).toString('hex')}`;
    if (isCacheable) {
      const cached = this.#cache.get(cacheKey);
      if (cached && cached.refreshAfter > now.getTime()) return cached.der;
    }

    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + this.#validityMs);
    const singles = request.certIds.map((certId) =>
      encodeSingleResponse({
        certIdDer: certId.der,
        certStatus: this.#issuerOf(certId) === caId ? this.#statusOf(caId, certId.serialHex) : { status: 'unknown' },
        thisUpdate,
        nextUpdate,
      }),
    );
    const signer = this.#signerFor(caId, now.getTime());
    const responseData = encodeResponseData({
      responderKeyHash: signer.responderKeyHash,
      producedAt: thisUpdate,
      singleResponses: singles,
      nonceExtensionValue: request.nonceExtensionValue,
    });
    const signature = await signTbs(
      this.#deps.kms,
      RESPONDER_CONTEXT,
      signer.keyId,
      signer.signatureAlgorithm,
      responseData,
    );
    const response = assembleOcspResponse(
      responseData,
      signer.signatureAlgorithm.algorithmIdentifier,
      signature,
      signer.certificates,
    );
    if (isCacheable) {
      if (this.#cache.size >= this.#cacheLimit) {
        const oldest = this.#cache.keys().next();
        if (!oldest.done) this.#cache.delete(oldest.value);
      }
      this.#cache.set(cacheKey, { der: response, refreshAfter: thisUpdate.getTime() + this.#validityMs / 2 });
    }
    return response;
  }

  #statusOf(caId: string, serialHex: string): CertStatus {
    const row = this.#selectStatus.get(caId, serialHex);
    if (!row) return { status: 'unknown' };
    if (row.status === 'revoked') {
      return { status: 'revoked', revokedAt: new Date(row.revoked_at ?? 0), reason: row.revocation_reason };
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
    const delegated = this.#selectSigner.get(caId, nowMs + SIGNER_MIN_REMAINING_MS);
    let signer: Signer;
    if (delegated) {
      const certificate = parseCertificateDer(new Uint8Array(delegated.der));
      signer = {
        keyId: delegated.key_id,
        signatureAlgorithm: signatureAlgorithmFor(delegated.algorithm),
        responderKeyHash: createHash('sha1').update(subjectPublicKeyBits(certificate.subjectPublicKeyInfo)).digest(),
        certificates: [certificate.der],
        checkAfter: nowMs + SIGNER_RECHECK_MS,
      };
    } else {
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
}

/**
 * Keeps one live delegated OCSP responder certificate per signing CA (RFC 6960 §4.2.2.2:
 * id-kp-OCSPSigning, id-pkix-ocsp-nocheck, key in the key store, short validity, default 30
 * days), so no OCSP answer needs the CA key itself, roots included. A CA without one gets
 * one; one that ends within `renewBeforeDays` (default 10) is replaced, and the
 * `ca.createOcspSigner` row of the new one says `reason: 'renewal'` and names the one it
 * replaces (issued as `system:ocsp-signer`). The responder moves to the longest-lived signer
 * on its own (ocsp-responder.ts); the old one simply expires, its short validity and
 * ocsp-nocheck being what RFC 6960 relies on instead of revocation checking.
 *
 * `start()` checks every CA at once and then every `checkIntervalMs`; `request(caId)` (the
 * responder found no signer) checks that CA now. A CA whose issuance failed (key store
 * away) is tried again after `retryAfterMs`, not on every OCSP request.
 */
import type { Logger } from 'pino';

import type { KeyAlgorithm } from '@pki/shared';

import type { CertificateRepository } from '../db/certificate-repository.js';
import { systemContext } from '../request-context.js';
import type { CaDirectory } from './ca-directory.js';
import type { IssuedCertificate } from './issuance-service.js';
import type { PkiKms } from './kms-signer.js';
import { OCSP_SIGNING_PROFILE } from './profiles.js';

const DAY_MS = 86_400_000;
/** Small keys first: an OCSP signature is made often; RSA where the key store has no EC (PyKMIP). */
const SIGNER_ALGORITHMS: readonly KeyAlgorithm[] = ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072'];

export type SignerCheck = 'current' | 'issued' | 'renewed' | 'skipped' | 'failed';

export interface OcspSignerRenewalDependencies {
  directory: CaDirectory;
  certificates: CertificateRepository;
  kms: Pick<PkiKms, 'findKey' | 'capabilities'>;
  issueOcspSigner: (
    ctx: ReturnType<typeof systemContext>,
    caId: string,
    validityDays: number,
    options: { algorithm: KeyAlgorithm; auditDetails: Record<string, unknown> },
  ) => Promise<IssuedCertificate>;
  log: Logger;
  validityDays?: number;
  renewBeforeDays?: number;
  checkIntervalMs?: number;
  retryAfterMs?: number;
  now?: () => Date;
}

export class OcspSignerRenewal {
  readonly #deps: OcspSignerRenewalDependencies;
  readonly #now: () => Date;
  readonly #validityDays: number;
  readonly #renewBeforeMs: number;
  readonly #retryAfterMs: number;
  readonly #inFlight = new Map<string, Promise<SignerCheck>>();
  readonly #retryNotBefore = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #isStarted = false;

  constructor(dependencies: OcspSignerRenewalDependencies) {
    this.#deps = dependencies;
    this.#now = dependencies.now ?? (() => new Date());
    this.#validityDays = dependencies.validityDays ?? OCSP_SIGNING_PROFILE.defaultValidityDays;
    this.#renewBeforeMs = (dependencies.renewBeforeDays ?? Math.ceil(this.#validityDays / 3)) * DAY_MS;
    this.#retryAfterMs = dependencies.retryAfterMs ?? 30_000;
  }

  /** Checks every CA now, then periodically; the checks' failures are logged, never thrown. */
  start(): void {
    if (this.#isStarted) return;
    this.#isStarted = true;
    const interval = this.#deps.checkIntervalMs ?? 3_600_000;
    const tick = () => {
      void this.ensureAll().then((results) => {
        if (!this.#isStarted) return;
        const hasFailed = [...results.values()].includes('failed');
        this.#timer = setTimeout(tick, hasFailed ? this.#retryAfterMs : interval);
        this.#timer.unref();
      });
    };
    tick();
  }

  stop(): void {
    this.#isStarted = false;
    clearTimeout(this.#timer);
  }

  /** The responder found no live signer for the CA: check it now (once at a time, with a retry pause). */
  request(caId: string): void {
    if (!this.#isStarted) return;
    const retryAt = this.#retryNotBefore.get(caId);
    if (retryAt !== undefined && retryAt > this.#now().getTime()) return;
    void this.ensure(caId);
  }

  /** Every CA that can sign; resolves with what each check did, by CA id. */
  async ensureAll(): Promise<Map<string, SignerCheck>> {
    const results = new Map<string, SignerCheck>();
    for (const record of this.#deps.directory.list()) results.set(record.row.id, await this.ensure(record.row.id));
    return results;
  }

  ensure(caId: string): Promise<SignerCheck> {
    let check = this.#inFlight.get(caId);
    if (check === undefined) {
      check = this.#check(caId).finally(() => this.#inFlight.delete(caId));
      this.#inFlight.set(caId, check);
    }
    return check;
  }

  async #check(caId: string): Promise<SignerCheck> {
    const record = this.#deps.directory.list().find((candidate) => candidate.row.id === caId);
    if (!record || record.row.status !== 'active' || !record.certificate || !record.issuer) return 'skipped';
    const nowMs = this.#now().getTime();
    if (this.#liveSigners(caId, nowMs + this.#renewBeforeMs).length > 0) return 'current';
    const caRemainingDays = Math.floor((record.certificate.notAfter.getTime() - nowMs) / DAY_MS);
    const validityDays = Math.min(this.#validityDays, caRemainingDays);
    if (validityDays < 1) return 'skipped';
    const [current] = this.#liveSigners(caId, nowMs);
    const auditDetails = current ? { reason: 'renewal', replacesCertificateId: current.id } : { reason: 'initial' };
    try {
      const supported = new Set(this.#deps.kms.capabilities().algorithms);
      const algorithm = SIGNER_ALGORITHMS.find((candidate) => supported.has(candidate)) ?? 'ec-p256';
      const issued = await this.#deps.issueOcspSigner(systemContext('ocsp-signer'), caId, validityDays, {
        algorithm,
        auditDetails,
      });
      this.#retryNotBefore.delete(caId);
      this.#deps.log.info(
        { caId, certificateId: issued.certificate.id, notAfter: issued.certificate.notAfter, ...auditDetails },
        current ? 'OCSP responder certificate renewed' : 'OCSP responder certificate issued',
      );
      return current ? 'renewed' : 'issued';
    } catch (error) {
      this.#retryNotBefore.set(caId, this.#now().getTime() + this.#retryAfterMs);
      this.#deps.log.warn({ caId, err: error }, 'could not issue the OCSP responder certificate; will retry');
      return 'failed';
    }
  }

  /** Active signer certificates of the CA ending after `notAfterAfter` whose key can still sign. */
  #liveSigners(caId: string, notAfterAfter: number) {
    return this.#deps.certificates
      .listActiveOfProfile(caId, OCSP_SIGNING_PROFILE.id, new Date(notAfterAfter))
      .filter((row) => row.keyId !== null && this.#deps.kms.findKey(row.keyId)?.state === 'active');
  }
}

/**
 * Keeps one live delegated OCSP responder certificate per signing CA (RFC 6960 §4.2.2.2:
 * id-kp-OCSPSigning, id-pkix-ocsp-nocheck, key in the key store, short validity, default 30
 * days), so no OCSP answer needs the CA key itself, roots included. A CA without one gets
 * one; one that ends within `renewBeforeDays` (default 10) is replaced, and the
 * `ca.createOcspSigner` row of the new one says `reason: 'renewal'` and names the one it
 * replaces (issued as `system:ocsp-signer`). The responder moves to the longest-lived signer
 * on its own (ocsp-responder.ts). The replaced certificate is left to expire, its short
 * validity and ocsp-nocheck being what RFC 6960 relies on instead of revocation checking, but
 * its key is retired: a key that signs nothing more must not stay usable in the key store.
 * Once the replacement has been live for `retireAfterMs` (default a day: far longer than the
 * responder keeps its choice of signer, and answers signed with the old key stay valid
 * without it), or once the old certificate has expired, the old key is revoked (superseded)
 * and destroyed through KMSService, so both steps leave their audit rows under
 * `system:ocsp-signer`. A retirement that fails (key store away) is tried at the next check.
 *
 * `start()` checks every CA at once and then every `checkIntervalMs`; `request(caId)` (the
 * responder found no signer) checks that CA now. A CA whose issuance failed (key store
 * away) is tried again after `retryAfterMs`, not on every OCSP request.
 */
import type { Logger } from 'pino';

import type { KeyAlgorithm, KeyState } from '@pki/shared';

import type { CertificateRepository, CertificateRow } from '../db/certificate-repository.js';
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
  kms: Pick<PkiKms, 'findKey' | 'capabilities' | 'revokeKey' | 'destroyKey'>;
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
  /** How long a replaced responder key stays usable after its replacement became valid. */
  retireAfterMs?: number;
  now?: () => Date;
}

export class OcspSignerRenewal {
  readonly #deps: OcspSignerRenewalDependencies;
  readonly #now: () => Date;
  readonly #validityDays: number;
  readonly #renewBeforeMs: number;
  readonly #retryAfterMs: number;
  readonly #retireAfterMs: number;
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
    this.#retireAfterMs = dependencies.retireAfterMs ?? DAY_MS;
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
    const result = await this.#ensureSigner(caId);
    await this.#retireReplaced(caId);
    return result;
  }

  async #ensureSigner(caId: string): Promise<SignerCheck> {
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

  /**
   * Revokes and destroys the keys of the CA's responder certificates that are expired, or
   * replaced by a newer signer valid for at least `retireAfterMs`. Failures are logged and
   * left for the next check: a retirement never stands in the way of issuing a signer.
   */
  async #retireReplaced(caId: string): Promise<void> {
    const nowMs = this.#now().getTime();
    const [newest] = this.#liveSigners(caId, nowMs);
    for (const row of this.#deps.certificates.listActiveOfProfile(caId, OCSP_SIGNING_PROFILE.id, new Date(0))) {
      if (row.id === newest?.id || row.keyId === null) continue;
      const key = this.#deps.kms.findKey(row.keyId);
      if (key === undefined || key.state === 'destroyed') continue;
      const isExpired = row.notAfter.getTime() <= nowMs;
      const isReplacedLongEnough = newest !== undefined && newest.notBefore.getTime() + this.#retireAfterMs <= nowMs;
      if (!isExpired && !isReplacedLongEnough) continue;
      try {
        await this.#retire(row, key.state, isExpired ? null : (newest ?? null));
      } catch (error) {
        this.#deps.log.warn(
          { caId, certificateId: row.id, keyId: row.keyId, err: error },
          'could not retire a replaced OCSP responder key; will retry',
        );
      }
    }
  }

  async #retire(row: CertificateRow, state: KeyState, replacement: CertificateRow | null): Promise<void> {
    const keyId = row.keyId ?? '';
    const ctx = systemContext('ocsp-signer');
    const why = replacement
      ? `OCSP responder certificate ${row.id} replaced by ${replacement.id}`
      : `OCSP responder certificate ${row.id} expired`;
    // A key revoked earlier whose destruction failed is only destroyed now.
    if (state === 'active' || state === 'pre-active') {
      await this.#deps.kms.revokeKey(ctx, { keyId, reason: 'superseded', message: why });
    }
    await this.#deps.kms.destroyKey(ctx, { keyId });
    this.#deps.log.info(
      { caId: row.caId, certificateId: row.id, keyId, replacedBy: replacement?.id ?? null },
      'OCSP responder key retired (revoked and destroyed)',
    );
  }

  /** Active signer certificates of the CA ending after `notAfterAfter` whose key can still sign. */
  #liveSigners(caId: string, notAfterAfter: number) {
    return this.#deps.certificates
      .listActiveOfProfile(caId, OCSP_SIGNING_PROFILE.id, new Date(notAfterAfter))
      .filter((row) => row.keyId !== null && this.#deps.kms.findKey(row.keyId)?.state === 'active');
  }
}

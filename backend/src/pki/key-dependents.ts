/**
 * What depends on a key, so the console can say what a revocation or destruction will stop:
 * the CAs whose signatures it makes, each with its unexpired, unrevoked certificates. A key
 * that signs for no CA (an end-entity or OCSP key) has no dependents here.
 */
import type { CaStatus } from '@pki/shared';

import type { CaRepository } from '../db/ca-repository.js';
import type { CertificateRepository } from '../db/certificate-repository.js';

export interface KeyDependentCa {
  id: string;
  name: string;
  status: CaStatus;
  /** Certificates the CA issued that are neither expired nor revoked. */
  liveCertificateCount: number;
}

export interface KeyDependents {
  keyId: string;
  cas: KeyDependentCa[];
}

export class KeyDependentsService {
  readonly #cas: CaRepository;
  readonly #certificates: CertificateRepository;
  readonly #now: () => Date;

  constructor(dependencies: { cas: CaRepository; certificates: CertificateRepository; now?: () => Date }) {
    this.#cas = dependencies.cas;
    this.#certificates = dependencies.certificates;
    this.#now = dependencies.now ?? (() => new Date());
  }

  of(keyId: string): KeyDependents {
    const now = this.#now();
    const cas = this.#cas.listIdsByKey(keyId).flatMap((caId) => {
      const row = this.#cas.findById(caId);
      if (row === undefined) return [];
      return [
        {
          id: row.id,
          name: row.name,
          status: row.status,
          liveCertificateCount: this.#certificates.countLiveIssuedBy([row.id], now),
        },
      ];
    });
    return { keyId, cas };
  }
}

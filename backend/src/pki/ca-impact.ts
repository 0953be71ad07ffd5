/**
 * What revoking a CA would invalidate, shown before the admin confirms: the live certificates
 * issued by it or by any CA below it, and the sub-CAs that would be revoked with it.
 */
import type { CaRevocationImpact } from '@pki/shared';

import type { CaRepository } from '../db/ca-repository.js';
import type { CertificateRepository } from '../db/certificate-repository.js';
import { pkiErrors } from './errors.js';

export class CaRevocationImpactService {
  readonly #cas: Pick<CaRepository, 'findById' | 'listChildren'>;
  readonly #certificates: Pick<CertificateRepository, 'countLiveIssuedBy'>;
  readonly #now: () => Date;

  constructor(options: {
    cas: Pick<CaRepository, 'findById' | 'listChildren'>;
    certificates: Pick<CertificateRepository, 'countLiveIssuedBy'>;
    now: () => Date;
  }) {
    this.#cas = options.cas;
    this.#certificates = options.certificates;
    this.#now = options.now;
  }

  impact(caId: string): CaRevocationImpact {
    if (this.#cas.findById(caId) === undefined) throw pkiErrors.caNotFound(caId);
    const subtree = [caId];
    let subordinateCas = 0;
    // Breadth-first over the hierarchy; hierarchies are a few levels deep.
    for (let index = 0; index < subtree.length; index += 1) {
      for (const child of this.#cas.listChildren(subtree[index] as string)) {
        subtree.push(child.id);
        if (child.status !== 'revoked') subordinateCas += 1;
      }
    }
    return { caId, liveCertificates: this.#certificates.countLiveIssuedBy(subtree, this.#now()), subordinateCas };
  }
}

/**
 * The CA detail page's one read (`cas.describe`): the CA's certificate decoded by the same
 * decoder as a certificate's detail (certificate-description.ts), the addresses relying
 * parties fetch its CRL, OCSP answers and certificate from, and the latest CRL's number and
 * next update as published, so the page shows what clients are served rather than a counter.
 */
import type { CaDescription } from '@pki/shared';

import type { CrlRepository } from '../db/crl-repository.js';
import type { CaDirectory } from './ca-directory.js';
import { describeCertificateDer } from './certificate-description.js';
import type { ParsedCertificate } from './certificate-parser.js';
import type { PublicEndpoints } from './certificate-template.js';
import { toCaSummary } from './dto.js';
import { toPem } from './pem.js';

export interface CaDescriptionServiceDependencies {
  directory: CaDirectory;
  crls: Pick<CrlRepository, 'findLatest'>;
  endpoints: PublicEndpoints;
}

export class CaDescriptionService {
  readonly #deps: CaDescriptionServiceDependencies;

  constructor(dependencies: CaDescriptionServiceDependencies) {
    this.#deps = dependencies;
  }

  /** By id or unique name; CA_NOT_FOUND otherwise. */
  describe(ref: string): CaDescription {
    const record = this.#deps.directory.get(ref);
    const { row } = record;
    const crl = this.#deps.crls.findLatest(row.id);
    const { endpoints } = this.#deps;
    return {
      ca: toCaSummary(record),
      certificate: record.certificate === null ? null : describeIssued(record.certificate),
      urls: { crl: endpoints.crlUrl(row.id), ocsp: endpoints.ocspUrl, caCertificate: endpoints.caIssuersUrl(row.id) },
      crl:
        crl === undefined
          ? null
          : {
              crlNumber: crl.crlNumber,
              thisUpdate: crl.thisUpdate.toISOString(),
              nextUpdate: crl.nextUpdate.toISOString(),
              entryCount: crl.entryCount,
            },
    };
  }
}

/** The parsed certificate gives serial and notBefore; the shared decoder gives the rest. */
function describeIssued(certificate: ParsedCertificate): NonNullable<CaDescription['certificate']> {
  const decoded = describeCertificateDer(certificate.der);
  return {
    subjectDn: decoded.subjectDn,
    issuerDn: decoded.issuerDn,
    serialHex: certificate.serialHex,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: decoded.notAfter,
    publicKey: decoded.publicKey,
    signatureAlgorithm: decoded.signatureAlgorithm,
    fingerprints: decoded.fingerprints,
    extensions: decoded.extensions,
    certificatePem: toPem('CERTIFICATE', certificate.der),
  };
}

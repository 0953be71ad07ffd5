/**
 * Key-custody evidence for a certificate (certificates.custody, issue 12): the issuing CA's key
 * as our records and the key store itself describe it (backend, the store's own id, algorithm,
 * sensitive, never extractable, state), the `kms.sign` row of the signature over the
 * certificate, and the checkpoint covering that row. What an auditor asks for when told "the
 * CA key never leaves the HSM". A query: it uses no key and writes no audit row.
 */
import { CertificateCustodyInput } from '@pki/shared';
import type { CertificateCustody, KeyStoreReport } from '@pki/shared';

import type { AuditEvidence } from '../audit/custody.js';
import type { RequestContext } from '../request-context.js';
import type { CaDirectory } from './ca-directory.js';
import { parseCertificateDer } from './certificate-parser.js';
import type { CertificateService } from './issuance-service.js';
import type { PkiKms } from './kms-signer.js';
import { parseInput } from './parse-input.js';

/** What the key store says guards a key (kms/key-store.ts KeyProtection), reached through KMSService. */
type KeyProtection = NonNullable<Awaited<ReturnType<PkiKms['describeKey']>>['kms']>['protection'];

export interface CustodyServiceDependencies {
  certificates: Pick<CertificateService, 'get' | 'getDer'>;
  directory: CaDirectory;
  kms: Pick<PkiKms, 'describeKey'>;
  evidence: AuditEvidence;
}

export class CustodyService {
  constructor(private readonly deps: CustodyServiceDependencies) {}

  async custody(ctx: RequestContext, rawInput: CertificateCustodyInput): Promise<CertificateCustody> {
    const input = parseInput(CertificateCustodyInput, rawInput);
    const caId = this.deps.directory.get(input.caId).row.id;
    const certificate = this.deps.certificates.get({ caId, serialHex: input.serialHex });
    const ca = this.deps.directory.get(certificate.caId);
    const { key, kms } = await this.deps.kms.describeKey(ctx, { keyId: ca.row.keyId });
    const { evidence } = this.deps;
    const issuance = evidence.issuanceOf(certificate.id, certificate.serialHex);
    const signedLength = parseCertificateDer(this.deps.certificates.getDer({ id: certificate.id })).tbs.byteLength;
    const signature = issuance === null ? null : evidence.signatureOf({ issuance, caKeyId: key.id, signedLength });
    return {
      certificate: {
        id: certificate.id,
        caId: certificate.caId,
        serialHex: certificate.serialHex,
        subjectDn: certificate.subjectDn,
      },
      key: {
        id: key.id,
        label: key.label,
        backend: key.backend,
        keyStoreId: key.privateKeyRef,
        algorithm: key.algorithm,
        state: key.state,
        keyStore: kms === null ? null : { state: kms.state, ...reportOf(kms.protection) },
      },
      issuance,
      signature,
      checkpoint: signature === null ? null : evidence.checkpointCovering(signature.seq),
    };
  }
}

function reportOf(protection: KeyProtection | undefined): Omit<KeyStoreReport, 'state'> {
  return {
    isSensitive: protection?.isSensitive ?? null,
    isNeverExtractable: protection?.isNeverExtractable ?? null,
    isExtractable: protection?.isExtractable ?? null,
  };
}

/** Rows to the shared output shapes: instants as ISO strings, nothing binary. */
import type { CaSummary, CertificateSummary } from '@pki/shared';

import type { CertificateRow } from '../db/certificate-repository.js';
import type { CaRecord } from './ca-directory.js';

export type { CertificateRow } from '../db/certificate-repository.js';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toCaSummary(record: CaRecord): CaSummary {
  const { row } = record;
  return {
    id: row.id,
    name: row.name,
    parentId: row.parentId,
    keyId: row.keyId,
    keyAlgorithm: record.keyAlgorithm,
    subjectDn: row.subjectDn,
    serialHex: row.serialHex,
    notBefore: iso(row.notBefore),
    notAfter: iso(row.notAfter),
    pathLength: row.pathLength,
    status: row.status,
    isRoot: row.parentId === null && row.issuerChainPem === null && row.status !== 'pending',
    revocationReason: row.revocationReason,
    revokedAt: iso(row.revokedAt),
    crlNumber: row.crlNumber,
    createdAt: row.createdAt.toISOString(),
  };
}

export function toCertificateSummary(
  row: Omit<CertificateRow, 'der'>,
  key?: { isExportable: boolean; exportedAt: Date | null } | null,
): CertificateSummary {
  const isExpired = row.status === 'active' && row.notAfter.getTime() <= Date.now();
  return {
    id: row.id,
    caId: row.caId,
    serialHex: row.serialHex,
    subjectDn: row.subjectDn,
    commonName: row.commonName,
    sans: row.sans,
    profile: row.profile,
    notBefore: row.notBefore.toISOString(),
    notAfter: row.notAfter.toISOString(),
    status: isExpired ? 'expired' : row.status,
    revocationReason: row.revocationReason,
    revokedAt: iso(row.revokedAt),
    keyId: row.keyId,
    keyAlgorithm: row.keyAlgorithm,
    canExportPrivateKey: Boolean(key?.isExportable && key.exportedAt === null && row.status === 'active'),
    createdAt: row.createdAt.toISOString(),
  };
}

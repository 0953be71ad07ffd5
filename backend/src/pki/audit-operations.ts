/**
 * The audit operations of the CA's own work (issue, revoke, CRL publication, CA creation,
 * export). KMSService already records each key operation; these rows record what the CA
 * did with them, written with the domain rows they describe (audit/audit-log.ts).
 */
export const PKI_AUDIT_OPERATIONS = {
  createRoot: 'ca.createRoot',
  createIntermediate: 'ca.createIntermediate',
  createSubordinateCsr: 'ca.createSubordinateCsr',
  importSignedCertificate: 'ca.importSignedCertificate',
  revokeCa: 'ca.revoke',
  createOcspSigner: 'ca.createOcspSigner',
  /** One row per CA per window with the counts of OCSP answers (ocsp-activity.ts), not one per request. */
  ocspResponses: 'ocsp.responses',
  issue: 'certificate.issue',
  revokeCertificate: 'certificate.revoke',
  exportPrivateKey: 'certificate.exportPrivateKey',
  publishCrl: 'crl.publish',
  revokeKey: 'key.revoke',
  destroyKey: 'key.destroy',
} as const;
export type PkiAuditOperation = (typeof PKI_AUDIT_OPERATIONS)[keyof typeof PKI_AUDIT_OPERATIONS];

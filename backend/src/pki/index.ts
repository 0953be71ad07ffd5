/**
 * The certificate authority's composition: one call builds the services over the
 * repositories (db/pki-repositories.ts) and KMSService, wired to each other through
 * explicit callbacks and events. Routers and HTTP routes take what they need from the
 * returned object.
 */
import type { Logger } from 'pino';

import type { ProfileSummary } from '@pki/shared';

import type { AuditLog } from '../audit/audit-log.js';
import type { AuditEvidence } from '../audit/custody.js';
import type { PkiRepositories } from '../db/pki-repositories.js';
import { CaDescriptionService } from './ca-description.js';
import { CaDirectory } from './ca-directory.js';
import { CaRevocationImpactService } from './ca-impact.js';
import { CaService } from './ca-service.js';
import { CertificateReadService } from './certificate-read-service.js';
import { publicEndpoints } from './certificate-template.js';
import { CrlPublisher } from './crl-publisher.js';
import { CustodyService } from './custody-service.js';
import { CertificateService } from './issuance-service.js';
import { KeyDependentsService } from './key-dependents.js';
import { KeyLifecycleService } from './key-lifecycle-service.js';
import type { PkiKms } from './kms-signer.js';
import { OcspActivity } from './ocsp-activity.js';
import { OcspResponder } from './ocsp-responder.js';
import type { OcspBudgets } from './ocsp-responder.js';
import { OcspSignerRenewal } from './ocsp-signer-renewal.js';
import { PkiEvents } from './pki-events.js';
import { listProfiles } from './profiles.js';
import type { PkiServiceDependencies } from './service-dependencies.js';

export interface PkiServicesOptions {
  repositories: PkiRepositories;
  kms: PkiKms;
  /** PKI_PUBLIC_URL: base of the CRL distribution point and AIA URLs printed into certificates. */
  publicUrl: string;
  /** PKI_CRL_VALIDITY in seconds. */
  crlValiditySeconds: number;
  /** OCSP response validity; default one hour. */
  ocspValiditySeconds?: number;
  /** The OCSP signing and nonce budgets; DEFAULT_OCSP_BUDGETS otherwise. */
  ocspBudgets?: OcspBudgets;
  log: Logger;
  now?: () => Date;
  /** The one audit log, shared with KMSService. */
  audit: AuditLog;
  /** Reads the audit rows of a certificate's key-custody evidence. */
  auditEvidence: AuditEvidence;
}

export interface PkiServices {
  cas: CaService;
  /** The CA detail page: its certificate decoded, public URLs, latest CRL. */
  caDescriptions: CaDescriptionService;
  casRevocationImpact: CaRevocationImpactService;
  certificates: CertificateService;
  /** The inventory, its CSV export, certificate detail and the CSR preview. */
  certificateReads: CertificateReadService;
  crls: CrlPublisher;
  ocsp: OcspResponder;
  /** Keeps a delegated OCSP responder certificate per CA; `start()` outside tests (app.ts). */
  ocspSigners: OcspSignerRenewal;
  keys: KeyLifecycleService;
  keyDependents: KeyDependentsService;
  custody: CustodyService;
  profiles: { list(): ProfileSummary[] };
  events: PkiEvents;
  /** Stops the CRL scheduler and retries and the OCSP signer renewal, and writes the last OCSP activity row. */
  close(): void;
}

export function createPkiServices(options: PkiServicesOptions): PkiServices {
  const { repositories, kms } = options;
  const log = options.log.child({ component: 'pki' });
  const now = options.now ?? (() => new Date());
  const { audit } = options;
  const endpoints = publicEndpoints(options.publicUrl);
  const directory = new CaDirectory(repositories.cas, kms, endpoints);
  const events = new PkiEvents();
  // What every service shares; each takes the repositories it works on.
  const common: PkiServiceDependencies = { kms, audit, directory, events, now };
  const crls = new CrlPublisher({
    ...common,
    cas: repositories.cas,
    certificates: repositories.certificates,
    crls: repositories.crls,
    validitySeconds: options.crlValiditySeconds,
    log,
  });
  const publishCrl = (ctx: Parameters<CrlPublisher['publish']>[0], caId: string) => crls.ensurePublished(ctx, caId);
  const cas = new CaService({ ...common, cas: repositories.cas, certificates: repositories.certificates, publishCrl });
  const certificates = new CertificateService({
    ...common,
    certificates: repositories.certificates,
    publishCrl,
    markCrlStale: (caId) => repositories.cas.markCrlStale(caId),
    revokeCa: (ctx, input) => cas.revoke(ctx, input),
  });
  const ocspSigners = new OcspSignerRenewal({
    directory,
    certificates: repositories.certificates,
    kms,
    issueOcspSigner: (ctx, caId, validityDays, signerOptions) =>
      certificates.issueOcspSigner(ctx, caId, validityDays, signerOptions),
    log,
    now,
  });
  const ocspActivity = new OcspActivity({ audit, log, now });
  const certificateReads = new CertificateReadService({
    certificates: repositories.certificates,
    directory,
    kms,
    now,
  });
  const ocsp = new OcspResponder({
    ...common,
    certificates: repositories.certificates,
    log,
    activity: ocspActivity,
    onSignerMissing: (caId) => ocspSigners.request(caId),
    ...(options.ocspValiditySeconds !== undefined ? { validitySeconds: options.ocspValiditySeconds } : {}),
    ...(options.ocspBudgets !== undefined ? { budgets: options.ocspBudgets } : {}),
  });
  const keys = new KeyLifecycleService({ ...common, cas: repositories.cas, certificates: repositories.certificates });
  const keyDependents = new KeyDependentsService({
    cas: repositories.cas,
    certificates: repositories.certificates,
    now,
  });
  return {
    cas,
    caDescriptions: new CaDescriptionService({ directory, crls: repositories.crls, endpoints }),
    casRevocationImpact: new CaRevocationImpactService({
      cas: repositories.cas,
      certificates: repositories.certificates,
      now,
    }),
    certificates,
    certificateReads,
    crls,
    ocsp,
    ocspSigners,
    keys,
    keyDependents,
    custody: new CustodyService({ certificates, directory, kms, evidence: options.auditEvidence }),
    profiles: { list: listProfiles },
    events,
    close: () => {
      crls.close();
      ocspSigners.stop();
      // Queued now; the app's audit.flush() commits it before the database closes.
      void ocspActivity.flush();
    },
  };
}

export { CaService } from './ca-service.js';
export { CertificateService } from './issuance-service.js';
export { CertificateReadService } from './certificate-read-service.js';
export type { IssuedCertificate } from './issuance-service.js';
export type { ExportedFile } from './certificate-exports.js';
export { CrlPublisher } from './crl-publisher.js';
export { OcspResponder, DEFAULT_OCSP_BUDGETS } from './ocsp-responder.js';
export type { OcspBudgets } from './ocsp-responder.js';
export { KeyLifecycleService } from './key-lifecycle-service.js';
export type { KeyDependents, KeyDependentCa } from './key-dependents.js';
export { PKI_ERROR_CODES } from './errors.js';
export { PKI_AUDIT_OPERATIONS } from './audit-operations.js';
export { MAX_CSR_BYTES } from './csr.js';

/**
 * The certificate authority's composition: one call builds the services over the
 * database and KMSService, wired to each other through explicit callbacks and events.
 * Routers and HTTP routes take what they need from the returned object.
 */
import type { Logger } from 'pino';

import type { ProfileSummary } from '@pki/shared';

import type { DatabaseHandle } from '../db/client.js';
import type { AuditLog } from '../audit/audit-log.js';
import { CaDirectory } from './ca-directory.js';
import { CaService } from './ca-service.js';
import { publicEndpoints } from './certificate-template.js';
import { CrlPublisher } from './crl-publisher.js';
import { CertificateService } from './issuance-service.js';
import { KeyLifecycleService } from './key-lifecycle-service.js';
import type { PkiKms } from './kms-signer.js';
import { OcspResponder } from './ocsp-responder.js';
import { PkiEvents } from './pki-events.js';
import { listProfiles } from './profiles.js';

export interface PkiServicesOptions {
  database: DatabaseHandle;
  kms: PkiKms;
  /** PKI_PUBLIC_URL: base of the CRL distribution point and AIA URLs printed into certificates. */
  publicUrl: string;
  /** PKI_CRL_VALIDITY in seconds. */
  crlValiditySeconds: number;
  /** OCSP response validity; default one hour. */
  ocspValiditySeconds?: number;
  log: Logger;
  now?: () => Date;
  /** The one audit log, shared with KMSService. */
  audit: AuditLog;
}

export interface PkiServices {
  cas: CaService;
  certificates: CertificateService;
  crls: CrlPublisher;
  ocsp: OcspResponder;
  keys: KeyLifecycleService;
  profiles: { list(): ProfileSummary[] };
  events: PkiEvents;
  /** Stops the CRL scheduler. */
  close(): void;
}

export function createPkiServices(options: PkiServicesOptions): PkiServices {
  const { database, kms } = options;
  const log = options.log.child({ component: 'pki' });
  const now = options.now ?? (() => new Date());
  const { audit } = options;
  const directory = new CaDirectory(database.db, publicEndpoints(options.publicUrl));
  const events = new PkiEvents();
  const crls = new CrlPublisher({
    db: database.db,
    sqlite: database.sqlite,
    kms,
    audit,
    directory,
    validitySeconds: options.crlValiditySeconds,
    log,
    now,
  });
  const publishCrl = (ctx: Parameters<CrlPublisher['publish']>[0], caId: string) => crls.publish(ctx, caId);
  const cas = new CaService({ db: database.db, kms, audit, directory, events, publishCrl, now });
  const certificates = new CertificateService({
    db: database.db,
    sqlite: database.sqlite,
    kms,
    audit,
    directory,
    events,
    publishCrl,
    revokeCa: (ctx, input) => cas.revoke(ctx, input),
    now,
  });
  const ocsp = new OcspResponder({
    sqlite: database.sqlite,
    kms,
    directory,
    events,
    log,
    ...(options.ocspValiditySeconds !== undefined ? { validitySeconds: options.ocspValiditySeconds } : {}),
    now,
  });
  const keys = new KeyLifecycleService({ db: database.db, kms, audit, now });
  return {
    cas,
    certificates,
    crls,
    ocsp,
    keys,
    profiles: { list: listProfiles },
    events,
    close: () => {
      crls.stop();
    },
  };
}

export { CaService } from './ca-service.js';
export { CertificateService } from './issuance-service.js';
export type { ExportedFile, IssuedCertificate } from './issuance-service.js';
export { CrlPublisher } from './crl-publisher.js';
export { OcspResponder } from './ocsp-responder.js';
export { KeyLifecycleService } from './key-lifecycle-service.js';
export { PKI_ERROR_CODES } from './errors.js';
export { PKI_AUDIT_OPERATIONS } from './audit-operations.js';
export { MAX_CSR_BYTES } from './csr.js';

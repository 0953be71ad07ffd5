/**
 * What every service of the certificate authority is built with (pki/index.ts passes the
 * same objects to each); each service adds the repositories and callbacks it needs.
 */
import type { AuditLog } from '../audit/audit-log.js';
import type { CaDirectory } from './ca-directory.js';
import type { PkiKms } from './kms-signer.js';
import type { PkiEvents } from './pki-events.js';

export interface PkiServiceDependencies {
  kms: PkiKms;
  audit: AuditLog;
  directory: CaDirectory;
  events: PkiEvents;
  /** The clock; tests set it. */
  now?: () => Date;
}

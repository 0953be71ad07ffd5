/**
 * The services the composition root (app.ts) builds and hands to routers and HTTP routes.
 * Dependencies are explicit: no singletons, no container.
 */
import type { Logger } from 'pino';

import type { AuditLogReader } from './audit/audit-log-reader.js';
import type { AuthServices } from './auth/index.js';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/client.js';
import type { ConfirmedKeyDestruction } from './keys/confirmed-destruction.js';
import type { KMSService } from './kms/service.js';
import type { PkiServices } from './pki/index.js';
import type { SystemService } from './system/system-service.js';

export interface AppServices {
  config: Readonly<Config>;
  log: Logger;
  database: DatabaseHandle;
  system: SystemService;
  auditLog: AuditLogReader;
  kms: KMSService;
  pki: PkiServices;
  keyDestruction: ConfirmedKeyDestruction;
  auth: AuthServices;
}

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

/** What a procedure reaches through `ctx.services`: services only, no database handle. */
export interface ProcedureServices {
  config: Readonly<Config>;
  log: Logger;
  system: SystemService;
  auditLog: AuditLogReader;
  kms: KMSService;
  pki: PkiServices;
  keyDestruction: ConfirmedKeyDestruction;
  auth: AuthServices;
}

/** Everything app.ts built, as `app.services`; tests also reach the database through it. */
export interface AppServices extends ProcedureServices {
  database: DatabaseHandle;
}

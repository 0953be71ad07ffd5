/**
 * The services the composition root (app.ts) builds and hands to routers and HTTP routes.
 * Dependencies are explicit: no singletons, no container. The raw Config is not here: it
 * holds the key store's credentials, and procedures reach only services (a service that
 * needs a config value takes it through its constructor; issue 11).
 */
import type { Logger } from 'pino';

import type { AuditIntegrityService } from './audit/audit-integrity-service.js';
import type { AuditLogReader } from './audit/audit-log-reader.js';
import type { AuthServices } from './auth/index.js';
import type { DatabaseHandle } from './db/client.js';
import type { ConfirmedKeyDestruction } from './keys/confirmed-destruction.js';
import type { RefusedKeyInput } from './keys/refused-key-input.js';
import type { KMSService } from './kms/service.js';
import type { AppMetrics } from './metrics/app-metrics.js';
import type { PkiServices } from './pki/index.js';
import type { DashboardService } from './system/dashboard-service.js';
import type { SystemService } from './system/system-service.js';

/** What a procedure reaches through `ctx.services`: services only, no database handle. */
export interface ProcedureServices {
  /** The base URL clients reach (PKI_PUBLIC_URL): not a secret, and all the edge needs of the config. */
  publicUrl: string;
  log: Logger;
  system: SystemService;
  dashboard: DashboardService;
  auditLog: AuditLogReader;
  /** The audit signer, checkpoints, export and background verification (issue 12). */
  auditIntegrity: AuditIntegrityService;
  kms: KMSService;
  pki: PkiServices;
  keyDestruction: ConfirmedKeyDestruction;
  /** Failure rows for key procedures refused before their service (trpc/init.ts). */
  refusedKeyInput: RefusedKeyInput;
  metrics: AppMetrics;
  auth: AuthServices;
}

/** Everything app.ts built, as `app.services`; tests also reach the database through it. */
export interface AppServices extends ProcedureServices {
  database: DatabaseHandle;
}

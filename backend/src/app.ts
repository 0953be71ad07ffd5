/**
 * The composition root: builds database → key store → services → HTTP and tRPC, and
 * returns the Fastify app without listening (server.ts listens; tests use `app.inject()`).
 * Collaborators can be overridden for tests, e.g. `buildApp(config, { keyStore })`.
 */
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pino } from 'pino';
import type { Logger } from 'pino';

import { AuditIntegrityService } from './audit/audit-integrity-service.js';
import { AuditLog } from './audit/audit-log.js';
import { AuditLogReader } from './audit/audit-log-reader.js';
import { AuditSinks, SinkPositionFile } from './audit/sinks/audit-sinks.js';
import { AuditEvidence } from './audit/custody.js';
import { createAuthServices } from './auth/index.js';
import { createOidcSignIn } from './auth/oidc/index.js';
import type { Config } from './config.js';
import { openDatabase } from './db/client.js';
import { DashboardRepository } from './db/dashboard-repository.js';
import { KmsKeyRepository } from './db/kms-key-repository.js';
import { SettingsRepository } from './db/settings-repository.js';
import { openPkiRepositories } from './db/pki-repositories.js';
import { startWalCheckpointer } from './db/wal-checkpointer.js';
import { migrateDatabase } from './db/migrate.js';
import { registerAuditExportRoute } from './http/audit-export-route.js';
import { registerAuditSignerRoute } from './http/audit-signer-route.js';
import { registerErrorHandler } from './http/error-handler.js';
import { registerHealthRoutes } from './http/health.js';
import { countPlainRouteErrors, registerMetricsRoute } from './http/metrics.js';
import { registerOidcRoutes } from './http/oidc-routes.js';
import { registerRequestGuard } from './http/request-guard.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { requirePermission } from './http/principal.js';
import { registerFrontend } from './http/static.js';
import { registerCaCertificateRoutes } from './http/ca-certs.js';
import { registerCrlRoutes } from './http/crl.js';
import { registerBackupRoute } from './http/backup.js';
import { takeBackupSnapshot } from './db/backup.js';
import { answerUnroutableOcspRequest, registerOcspRoutes } from './http/ocsp.js';
import { ConfirmedKeyDestruction } from './keys/confirmed-destruction.js';
import { RefusedKeyInput } from './keys/refused-key-input.js';
import { announceKeyStore } from './kms/boot.js';
import { createKeyStore } from './kms/create-key-store.js';
import type { KeyStore } from './kms/key-store.js';
import { KeyStoreBreaker } from './kms/key-store-breaker.js';
import { KMSService } from './kms/service.js';
import type { OcspClientLimits } from './pki/ocsp-client-limiter.js';
import { loggerOptions } from './logger.js';
import { AppMetrics } from './metrics/app-metrics.js';
import { SYSTEM_CONTEXT } from './request-context.js';
import { createPkiServices } from './pki/index.js';
import type { AppServices } from './services.js';
import { DashboardService } from './system/dashboard-service.js';
import { SystemService } from './system/system-service.js';
import { registerTrpc } from './trpc/register-trpc.js';

export interface AppOverrides {
  logger?: Logger;
  /** Replaces the key store PKI_KMS_BACKEND selects (tests with a prepared store). */
  keyStore?: KeyStore;
  /** false sends every tRPC call through tRPC's adapter (the hot-procedure routes' conformance test). */
  areHotProcedureRoutesEnabled?: boolean;
  /** The OCSP route's per-client limits (tests that reach them in a few requests). */
  ocspClientLimits?: OcspClientLimits;
  /** The clock of sessions, tokens, sign-in limits and approvals (tests move it instead of sleeping). */
  now?: () => Date;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: AppServices;
  }
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The largest request body any route reads. The largest legitimate one is an issuance with a
 * CSR at its own limit (pki/csr.ts MAX_CSR_BYTES, as PEM in JSON); OCSP sets a smaller one.
 */
const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/**
 * One line per answered request: successes at debug (the hot paths would otherwise write a
 * line per issuance or OCSP answer), client errors at info, server errors at warn; what a
 * refusal or a key operation was is in its own log line and audit row either way.
 */
async function logRequestOutcome(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const status = reply.statusCode;
  const level = status >= 500 ? 'warn' : status >= 400 ? 'info' : 'debug';
  request.log[level](
    { method: request.method, url: request.routeOptions.url ?? request.url, status, ms: Math.round(reply.elapsedTime) },
    'request answered',
  );
}

export async function buildApp(config: Readonly<Config>, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const log = overrides.logger ?? pino(loggerOptions(config, process.stdout.isTTY));

  const database = openDatabase(config.databasePath);
  try {
    migrateDatabase(database.db);
  } catch (error) {
    database.close();
    throw error;
  }
  // Test apps come and go by the hundred: they keep SQLite's own checkpoint, not a thread each.
  const checkpointer =
    config.mode === 'test' || config.databasePath === ':memory:'
      ? undefined
      : startWalCheckpointer(database, config.databasePath, log);

  let keyStore: KeyStore;
  try {
    keyStore = overrides.keyStore ?? (await createKeyStore(config, { log, database }));
  } catch (error) {
    await checkpointer?.stop();
    database.close();
    throw error;
  }
  // One audit log for the connection: the rows of concurrent requests share their commits.
  const auditLog = log.child({ component: 'audit' });
  const audit = new AuditLog(database, auditLog);
  // Before the first boot row, so a new install's sinks hold the chain from row 1.
  const auditSinks =
    config.audit.sinks.length === 0
      ? undefined
      : await AuditSinks.start({
          specs: config.audit.sinks,
          audit,
          database,
          position: new SinkPositionFile(config.dataDir),
          log: auditLog,
        });
  // Anonymous refusals are counted by access control (built below), read at each scrape.
  const metrics = new AppMetrics({ anonymousRefusals: () => auth.denials.counts().anonymous });
  audit.onCommitted(metrics.onCommittedRows);
  const kms = new KMSService({
    keyStore,
    keys: new KmsKeyRepository(database),
    audit,
    log: log.child({ component: 'kms' }),
  });
  const pki = createPkiServices({
    repositories: openPkiRepositories(database),
    kms,
    publicUrl: config.publicUrl,
    crlValiditySeconds: config.crlValiditySeconds,
    log,
    audit,
    auditEvidence: new AuditEvidence(database),
  });
  const refusedKeyInput = new RefusedKeyInput({ audit });
  const keyDestruction = new ConfirmedKeyDestruction({ kms, keys: pki.keys, refusals: refusedKeyInput });
  const auth = createAuthServices({
    database,
    audit,
    config: config.auth,
    dataDir: config.dataDir,
    log,
    pki,
    keyDestruction,
    ...(overrides.now === undefined ? {} : { now: overrides.now }),
    ...(config.oidc === undefined ? {} : { oidcName: config.oidc.name }),
  });

  const keyStoreAnnouncement = await announceKeyStore(
    kms,
    log.child({ component: 'kms' }),
    keyStore instanceof KeyStoreBreaker ? keyStore : undefined,
  );
  // After the key store's reconciliation, so a new install's chain starts with the key store's state.
  await auth.users.ensureFirstAdmin(SYSTEM_CONTEXT, config.auth.adminPassword, log.child({ component: 'auth' }));
  // CRLs are re-signed before their nextUpdate even when nothing is revoked.
  if (config.mode !== 'test') pki.crls.startCrlScheduler();
  // A revocation committed before a stop or a crash whose CRL was not re-signed yet: in the
  // background, as the key store may still be away (the publisher keeps retrying).
  void Promise.resolve()
    .then(() => pki.crls.resumePending())
    .catch((error: unknown) => log.error({ err: error }, 'could not resume pending CRL publications'));
  // Each CA answers OCSP through a delegated responder certificate, issued and renewed on its own.
  if (config.mode !== 'test') pki.ocspSigners.start();

  const auditIntegrity = new AuditIntegrityService({
    audit,
    sqlite: database.sqlite,
    databasePath: config.databasePath,
    kms,
    settings: new SettingsRepository(database),
    cadence: {
      rows: config.audit.checkpointRows,
      intervalMs:
        config.audit.checkpointIntervalSeconds === undefined
          ? undefined
          : config.audit.checkpointIntervalSeconds * 1000,
    },
    log: auditLog,
    ...(overrides.now === undefined ? {} : { now: overrides.now }),
  });
  // The signer exists from the first start on; test apps make it when a test first needs it.
  if (config.mode !== 'test') {
    await auditIntegrity.signer().catch((error: unknown) => {
      auditLog.error({ err: error }, 'could not make the audit signer; it is tried again when a checkpoint is due');
    });
  }
  auditIntegrity.start();

  const system = new SystemService({
    mode: config.mode,
    backend: config.kms.backend,
    database,
    kms,
    auditSinks: () => auditSinks?.status() ?? [],
  });
  const services: AppServices = {
    publicUrl: config.publicUrl,
    log,
    database,
    system,
    dashboard: new DashboardService({ repository: new DashboardRepository(database), now: overrides.now }),
    auditLog: new AuditLogReader(database),
    auditIntegrity,
    kms,
    pki,
    keyDestruction,
    refusedKeyInput,
    metrics,
    auth,
  };

  // Typed as Fastify's base logger so the instance stays the plain FastifyInstance plugins expect.
  const httpLogger: FastifyBaseLogger = log.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: httpLogger,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : crypto.randomUUID();
    },
    // Fastify's own two lines per request (at info) cost a fifth of the throughput at high
    // rates; logRequestOutcome below writes one line, at a level that follows the outcome.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    routerOptions: { maxParamLength: 4096 },
    bodyLimit: MAX_REQUEST_BODY_BYTES,
    frameworkErrors: (error, request, genericReply) => {
      const reply = genericReply as FastifyReply;
      if (answerUnroutableOcspRequest(request.url, reply)) return;
      void reply.code(400).send({ error: error.message, code: error.code, requestId: request.id });
    },
  });
  app.decorate('services', services);
  if (config.mode !== 'test') app.addHook('onResponse', logRequestOutcome);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // No answer leaves the process resting on a commit that a power loss could still take back
  // (db/wal-durability.ts); a reply that follows no new write waits for nothing.
  app.addHook('onSend', async (_request, _reply, payload) => {
    await database.whenDurable();
    return payload;
  });
  // API answers (tRPC, health, errors) are per caller and per moment: no cache may keep them.
  // CRLs, CA certificates and OCSP set their own caching and are not JSON.
  app.addHook('onSend', async (_request, reply, payload) => {
    // tRPC's adapter answers with a Fetch Response, whose headers Fastify applies after this hook.
    const contentType =
      payload instanceof Response ? payload.headers.get('content-type') : reply.getHeader('content-type');
    if (
      !reply.hasHeader('cache-control') &&
      typeof contentType === 'string' &&
      contentType.startsWith('application/json')
    )
      reply.header('cache-control', 'no-store');
    return payload;
  });
  app.addHook('onClose', async () => {
    keyStoreAnnouncement.stop();
    await auditIntegrity.close();
    await auditSinks?.close();
    await auth.close();
    pki.close();
    await kms.close();
    audit.flush();
    await checkpointer?.stop();
    database.close();
  });

  registerSecurityHeaders(app, { publicUrl: config.publicUrl });
  registerErrorHandler(app);
  countPlainRouteErrors(app, metrics);
  registerRequestGuard(app, { publicUrl: config.publicUrl, allowedHosts: config.auth.allowedHosts });
  registerHealthRoutes(app, system);
  registerMetricsRoute(app, {
    metrics,
    isPublic: config.isMetricsPublic,
    requireCredential: requirePermission('self'),
  });
  registerCrlRoutes(app, pki.crls);
  registerBackupRoute(app, { takeSnapshot: () => takeBackupSnapshot(database.sqlite, config.dataDir), audit });
  registerCaCertificateRoutes(app, pki.cas);
  registerAuditSignerRoute(app, auditIntegrity);
  registerAuditExportRoute(app, auditIntegrity);
  await registerOcspRoutes(
    app,
    pki.ocsp,
    overrides.ocspClientLimits === undefined ? {} : { clientLimits: overrides.ocspClientLimits },
  );
  if (config.oidc !== undefined) {
    const oidcSignIn = createOidcSignIn({
      config: config.oidc,
      publicUrl: config.publicUrl,
      audit,
      users: auth.users,
      sessions: auth.sessions,
      denials: auth.denials,
      log,
    });
    registerOidcRoutes(app, { signIn: oidcSignIn, redirectUri: config.oidc.redirectUri, publicUrl: config.publicUrl });
  }

  await registerTrpc(app, { services, areHotProcedureRoutesEnabled: overrides.areHotProcedureRoutesEnabled !== false });

  if (config.mode === 'production') {
    const isServed = await registerFrontend(app, config.frontendDir);
    if (!isServed)
      log.warn({ frontendDir: config.frontendDir }, 'built frontend not found; run `pnpm build` to serve the UI');
  }

  return app;
}

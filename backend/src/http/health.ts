/**
 * Liveness and readiness. /healthz says the process answers; /readyz says the database
 * (with room on its disk: a full one refuses every write) and the key store answer too (503
 * naming what is not), for load balancers and compose.
 * A failing audit sink is shown (`auditSinks`, and a line in `warnings`) but keeps the
 * answer 200: commits never wait for a sink and it catches up by itself, so taking the
 * server out of rotation would turn an outage of evidence shipping into one of the PKI.
 */
import type { FastifyInstance } from 'fastify';

import type { SystemService } from '../system/system-service.js';

export function registerHealthRoutes(app: FastifyInstance, system: SystemService): void {
  app.get('/healthz', { logLevel: 'warn' }, () => ({ status: 'ok' }));

  app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
    const database = system.databaseHealth();
    const kms = await system.kmsHealth();
    const notReady = [
      ...(database.state === 'up' ? [] : [`database: ${database.detail ?? database.state}`]),
      ...(kms.state === 'up' ? [] : [`key store: ${kms.detail ?? kms.state}`]),
    ];
    const auditSinks = system.auditSinks();
    const warnings = auditSinks
      .filter((sink) => !sink.isHealthy)
      .map(
        (sink) =>
          `audit sink ${sink.name}: ${sink.lastError ?? 'failing'} (delivered through row ${sink.deliveredThroughSeq})`,
      );
    return reply.code(notReady.length === 0 ? 200 : 503).send({
      status: notReady.length === 0 ? 'ready' : 'not ready',
      database,
      keyStore: kms,
      reasons: notReady,
      auditSinks,
      warnings,
    });
  });
}

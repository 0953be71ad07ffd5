/**
 * Liveness and readiness. /healthz says the process answers; /readyz says the database
 * and the key store answer too (503 naming what is not), for load balancers and compose.
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
    return reply
      .code(notReady.length === 0 ? 200 : 503)
      .send({ status: notReady.length === 0 ? 'ready' : 'not ready', database, keyStore: kms, reasons: notReady });
  });
}

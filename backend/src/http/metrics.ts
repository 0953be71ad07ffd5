/**
 * `GET /metrics`: the Prometheus text exposition of `metrics/app-metrics.ts`. It needs a
 * credential of any role (a bearer API token, as a scraper sends) unless
 * `PKI_METRICS_PUBLIC=true` opens it to a scraper on a private network. Plain-route errors
 * reach the metrics through the same edge hook as tRPC's.
 */
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';

import type { AppMetrics } from '../metrics/app-metrics.js';
import { mapError } from '../error-mapping.js';

export interface MetricsRouteOptions {
  metrics: AppMetrics;
  isPublic: boolean;
  /** Refuses a request without a credential of any role (access control's check). */
  requireCredential: preHandlerAsyncHookHandler;
}

export function registerMetricsRoute(app: FastifyInstance, options: MetricsRouteOptions): void {
  const { metrics } = options;
  app.get(
    '/metrics',
    { logLevel: 'warn', ...(options.isPublic ? {} : { preHandler: options.requireCredential }) },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.scrape()),
  );
}

/** Counts every error a plain route answers (tRPC's are counted in its error middleware). */
export function countPlainRouteErrors(app: FastifyInstance, metrics: AppMetrics): void {
  app.addHook('onError', async (request, _reply, error) => {
    // Fastify's own client errors (bad JSON, body too large) carry their FST_ code; ours go
    // through the one error table, as http/error-handler.ts answers them.
    const status = (error as { statusCode?: number }).statusCode;
    const isFastifyClientError = status !== undefined && status < 500 && typeof error.code === 'string';
    metrics.countAnsweredError(request.id, isFastifyClientError ? error.code : mapError(error).appCode);
  });
}

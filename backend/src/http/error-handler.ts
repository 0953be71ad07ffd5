/**
 * The error edge for plain (non-tRPC) routes: 4xx answers carry the user-safe message,
 * 5xx answers a generic one; either way the request id is in the body and the full
 * error is logged. OCSP answers its own errors as OCSP responses and never reaches this.
 */
import type { FastifyInstance } from 'fastify';

import { fastifyClientErrorCode, mapError } from '../error-mapping.js';

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const fastifyStatus = (error as { statusCode?: number }).statusCode;
    if (fastifyStatus !== undefined && fastifyStatus >= 400 && fastifyStatus < 500) {
      // Fastify's own client errors (bad JSON, body too large, …).
      return reply
        .code(fastifyStatus)
        .send({ error: (error as Error).message, code: fastifyClientErrorCode(error), requestId: request.id });
    }
    const mapped = mapError(error);
    if (mapped.isServerFault) request.log.error({ err: error }, 'request failed');
    return reply.code(mapped.httpStatus).send({ error: mapped.message, code: mapped.appCode, requestId: request.id });
  });
}

/**
 * Published CRLs: `GET /crl/{caId}.crl` (DER, application/pkix-crl, RFC 2585 §4.2) — the
 * URL every issued certificate names in its CRL distribution point — and `.pem`.
 * Caches may keep it a minute: a revocation re-publishes it at once.
 */
import type { FastifyInstance } from 'fastify';

import { NotFoundError } from '../errors.js';
import { systemContext } from '../request-context.js';
import type { CrlSource } from './pki-ports.js';
import { splitResourceName } from './pki-encoding.js';

/** A CRL is re-published on every revocation: caches may hold it only briefly. */
const CACHE_SECONDS = 60;

export function registerCrlRoutes(app: FastifyInstance, source: CrlSource): void {
  app.get<{ Params: { file: string } }>('/crl/:file', async (request, reply) => {
    const { id, extension } = splitResourceName(request.params.file, ['crl', 'pem']);
    if (id === undefined) throw new NotFoundError(`no CRL at ${request.url}; use /crl/{caId}.crl or /crl/{caId}.pem`);
    const ctx = systemContext('crl', request.id);
    const body = extension === 'pem' ? await source.getCrlPem(ctx, id) : Buffer.from(await source.getCrl(ctx, id));
    reply.header('cache-control', `public, max-age=${CACHE_SECONDS}`);
    return reply.type(extension === 'pem' ? 'application/x-pem-file' : 'application/pkix-crl').send(body);
  });
}

/**
 * Public CA certificates: `GET /ca/{caId}.pem` (PEM) and `GET /ca/{caId}.crt` (DER,
 * application/pkix-cert, RFC 2585 §4.1). The `.crt` URL is what issued certificates name
 * in their AIA caIssuers field, so relying parties can build the chain themselves.
 */
import type { FastifyInstance } from 'fastify';

import { NotFoundError } from '../errors.js';
import type { CaCertificateSource } from './pki-ports.js';
import { splitResourceName } from './pki-encoding.js';

const ONE_HOUR_SECONDS = 3600;

export function registerCaCertificateRoutes(app: FastifyInstance, source: CaCertificateSource): void {
  app.get<{ Params: { file: string } }>('/ca/:file', (request, reply) => {
    const { id, extension } = splitResourceName(request.params.file, ['pem', 'crt']);
    if (id === undefined)
      throw new NotFoundError(`no CA certificate at ${request.url}; use /ca/{caId}.pem or /ca/{caId}.crt`);
    const body = extension === 'pem' ? source.getCertificatePem(id) : Buffer.from(source.getCertificateDer(id));
    reply.header('cache-control', `public, max-age=${ONE_HOUR_SECONDS}`);
    return reply.type(extension === 'pem' ? 'application/x-pem-file' : 'application/pkix-cert').send(body);
  });
}

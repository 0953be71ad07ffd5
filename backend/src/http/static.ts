/**
 * In production the backend serves the built frontend: hashed assets with long caching,
 * and index.html for any other GET that is not an API path (client-side routes).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Paths owned by the API; a miss there is a real 404, never the SPA. */
const API_PREFIXES = ['/trpc', '/healthz', '/readyz', '/crl/', '/ocsp', '/ca/'];

export async function registerFrontend(app: FastifyInstance, frontendDir: string): Promise<boolean> {
  if (!existsSync(join(frontendDir, 'index.html'))) return false;
  await app.register(fastifyStatic, {
    root: frontendDir,
    wildcard: false,
    setHeaders(res, path) {
      res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.setNotFoundHandler((request, reply) => {
    const isApi = API_PREFIXES.some((prefix) => request.url === prefix || request.url.startsWith(prefix));
    if (request.method === 'GET' && !isApi && (request.headers.accept ?? '').includes('text/html')) {
      return reply.type('text/html').header('cache-control', 'no-cache').sendFile('index.html');
    }
    return reply.code(404).send({ error: 'Not Found', message: `No route for ${request.method} ${request.url}` });
  });
  return true;
}

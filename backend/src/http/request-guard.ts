/**
 * The browser request rule, before any route runs:
 * - Host: a request must name the public URL's host, one of PKI_ALLOWED_HOSTS, or loopback.
 *   A page on another name that resolves to our address (DNS rebinding against a server on
 *   127.0.0.1) names its own host and is refused. Probes (/healthz, /readyz) are exempt: they
 *   reveal nothing and orchestrators call them by IP.
 * - CSRF, on the console's routes (/trpc, /auth): a state-changing request that is not
 *   authenticated by a bearer token alone (a session cookie, or sign-in itself) must carry
 *   `X-PKI-Request: 1`, which a cross-site form or a `fetch` without CORS cannot send, and
 *   when it has `Origin` or `Sec-Fetch-Site` they must say same-origin. A request with neither
 *   is not from a browser (the CLI) and passes on the custom header alone.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { ForbiddenError } from '../errors.js';
import { sessionTokenOf } from './session-cookie.js';

export const REQUEST_HEADER = 'x-pki-request';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);
const EXEMPT_FROM_HOST_CHECK = new Set(['/healthz', '/readyz']);
const CONSOLE_PREFIXES = ['/trpc', '/auth/'];

/** The host name of a Host header, without port or IPv6 brackets, lower-cased. */
export function hostNameOf(host: string): string {
  const trimmed = host.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(1, trimmed.indexOf(']') === -1 ? undefined : trimmed.indexOf(']'));
  const colon = trimmed.lastIndexOf(':');
  return colon === -1 ? trimmed : trimmed.slice(0, colon);
}

function isLoopback(hostName: string): boolean {
  return LOOPBACK_HOSTS.has(hostName) || hostName.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(hostName);
}

function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query === -1 ? request.url : request.url.slice(0, query);
}

export function registerRequestGuard(
  app: FastifyInstance,
  options: { publicUrl: string; allowedHosts: readonly string[] },
): void {
  const publicUrl = new URL(options.publicUrl);
  const allowedHosts = new Set([hostNameOf(publicUrl.host), ...options.allowedHosts.map(hostNameOf)]);

  app.addHook('onRequest', async (request) => {
    const path = pathOf(request);
    const host = request.headers.host;
    if (!EXEMPT_FROM_HOST_CHECK.has(path)) {
      const hostName = host === undefined ? '' : hostNameOf(host);
      if (!allowedHosts.has(hostName) && !isLoopback(hostName)) {
        throw new ForbiddenError(
          `Host ${JSON.stringify(host ?? '')} is not this server's; add it to PKI_ALLOWED_HOSTS if it is.`,
          { code: 'HOST_NOT_ALLOWED' },
        );
      }
    }
    if (SAFE_METHODS.has(request.method) || !CONSOLE_PREFIXES.some((prefix) => path.startsWith(prefix))) return;
    const isBearerOnly = request.headers.authorization !== undefined && sessionTokenOf(request) === undefined;
    if (isBearerOnly) return;
    if (request.headers[REQUEST_HEADER] !== '1') {
      throw new ForbiddenError(`A state-changing request from a browser must carry the header X-PKI-Request: 1.`, {
        code: 'CSRF_REFUSED',
      });
    }
    const origin = request.headers.origin;
    const fetchSite = request.headers['sec-fetch-site'];
    const ownOrigins = new Set([publicUrl.origin, `${request.protocol}://${host ?? ''}`]);
    const isCrossOrigin =
      (origin !== undefined && !ownOrigins.has(origin)) ||
      (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none');
    if (isCrossOrigin) {
      throw new ForbiddenError('A state-changing request must come from this server’s own pages.', {
        code: 'CSRF_REFUSED',
      });
    }
  });
}

/**
 * The OpenID Connect sign-in routes (registered only when PKI_OIDC_ISSUER is set):
 *
 *   GET /auth/oidc/start?returnTo=/path   302 to the provider, with the flow cookie
 *   GET /auth/oidc/callback               the provider's redirect: 302 to returnTo with the
 *                                         session cookie, or 302 to /sign-in?error=<code>
 *
 * Both are plain GETs because they are top-level browser navigations. The flow cookie is
 * `SameSite=Lax`, not Strict, since it must come back on the provider's cross-site redirect;
 * it is scoped to /auth/oidc and lives as long as a flow (ten minutes).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { FLOW_LIFETIME_MS } from '../auth/oidc/flow-store.js';
import type { OidcSignIn } from '../auth/oidc/oidc-sign-in.js';
import { AppError } from '../errors.js';
import { ANONYMOUS_PRINCIPAL, requestContextOf } from '../request-context.js';
import { setSessionCookie } from './session-cookie.js';

export const OIDC_FLOW_COOKIE = 'pki_oidc_flow';
const COOKIE_PATH = '/auth/oidc';
const SIGN_IN_PAGE = '/sign-in';

export interface OidcRoutesOptions {
  signIn: OidcSignIn;
  /** `PKI_PUBLIC_URL/auth/oidc/callback`: the callback URL is rebuilt from it, never from the Host header. */
  redirectUri: string;
  publicUrl: string;
}

export function registerOidcRoutes(app: FastifyInstance, options: OidcRoutesOptions): void {
  const isSecure = options.publicUrl.startsWith('https://');
  const flowCookie = (value: string, maxAgeSeconds: number): string =>
    `${OIDC_FLOW_COOKIE}=${value}; Path=${COOKIE_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${isSecure ? '; Secure' : ''}`;

  app.get('/auth/oidc/start', async (request: FastifyRequest<{ Querystring: { returnTo?: unknown } }>, reply) => {
    try {
      const { authorizationUrl, binding } = await options.signIn.start(request.query.returnTo);
      return await reply
        .header('set-cookie', flowCookie(binding, FLOW_LIFETIME_MS / 1000))
        .header('cache-control', 'no-store')
        .redirect(authorizationUrl.href, 302);
    } catch (error) {
      request.log.warn({ err: error }, 'OpenID Connect sign-in could not start');
      return refuse(reply, error);
    }
  });

  app.get('/auth/oidc/callback', async (request, reply) => {
    const callbackUrl = new URL(options.redirectUri);
    callbackUrl.search = new URL(request.url, 'http://callback.invalid').search;
    const ctx = requestContextOf(ANONYMOUS_PRINCIPAL, request.id);
    reply.header('set-cookie', flowCookie('', 0)).header('cache-control', 'no-store');
    try {
      const { session, returnTo } = await options.signIn.finish(ctx, {
        url: callbackUrl,
        binding: readCookie(request.headers.cookie, OIDC_FLOW_COOKIE),
        clientAddress: request.ip,
      });
      setSessionCookie(reply, session.token, session.expiresAt);
      return await reply.redirect(returnTo, 302);
    } catch (error) {
      request.log.warn({ err: error }, 'OpenID Connect sign-in refused');
      return refuse(reply, error);
    }
  });
}

/** To the sign-in page with our stable code; the page words it, the log keeps the cause. */
function refuse(reply: FastifyReply, error: unknown): FastifyReply {
  const code = error instanceof AppError ? error.code : 'INTERNAL';
  return reply.redirect(`${SIGN_IN_PAGE}?error=${encodeURIComponent(code)}`, 302);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) {
      const value = part.slice(separator + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

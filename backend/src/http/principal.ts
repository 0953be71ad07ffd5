/**
 * The principal of a plain HTTP request, resolved the same way as for tRPC (the session
 * cookie or a bearer token) and once per request; and `requirePermission` for plain routes
 * that need a role (e.g. `/metrics`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

// `server.services` is declared on FastifyInstance in app.ts; importing its types here keeps
// that augmentation in programs that reach this file only through the router (the frontend).
import type {} from '../app.js';

import type { Authentication } from '../auth/authenticator.js';
import { bearerOf } from '../auth/authenticator.js';
import type { Permission } from '../auth/permissions.js';
import { isAllowed } from '../auth/permissions.js';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';
import { requestContextOf } from '../request-context.js';
import { sessionTokenOf } from './session-cookie.js';

const resolved = new WeakMap<FastifyRequest, Authentication>();

export function authenticateRequest(request: FastifyRequest): Authentication {
  let authentication = resolved.get(request);
  if (authentication === undefined) {
    authentication = request.server.services.auth.authenticator.authenticate({
      sessionToken: sessionTokenOf(request),
      bearer: bearerOf(request.headers.authorization),
    });
    resolved.set(request, authentication);
  }
  return authentication;
}

/**
 * Refuses the request (401/403, audited as for procedures) unless its principal holds
 * `permission`; use as a route's `preHandler`.
 */
export function requirePermission(permission: Permission) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const { principal, refusedCredential } = authenticateRequest(request);
    const denials = request.server.services.auth.denials;
    const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
    if (principal.role === null) {
      if (refusedCredential === undefined) denials.recordAnonymous(request.ip, route, 'unauthenticated');
      else {
        const ctx = { ...requestContextOf(principal, request.id), actor: refusedCredential.actor };
        await denials.recordSignedIn(ctx, route, refusedCredential.reason);
      }
      throw new UnauthenticatedError();
    }
    if (!isAllowed(principal.role, permission)) {
      await denials.recordSignedIn(requestContextOf(principal, request.id), route, 'role', { permission });
      throw new ForbiddenError(`${route} needs the ${permission} permission, which the ${principal.role} role lacks.`);
    }
  };
}

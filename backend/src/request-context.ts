/**
 * Who asked and under which request: carried from the HTTP edge through the tRPC context
 * into every service call, and from there into every audit row.
 */
import type { UserRole } from '@pki/shared';

/**
 * The authenticated caller, resolved once per request (trpc/context.ts, http/principal.ts).
 * Actor strings: `user:<username>`, `token:<id>`, `oidc:<issuer-host>/<sub>` (the sessions of
 * an OIDC user), `system:<component>` (scheduler, OCSP, boot), `anonymous`.
 */
export interface Principal {
  kind: 'anonymous' | 'user' | 'token' | 'system';
  actor: string;
  /** Null for anonymous and system principals. */
  role: UserRole | null;
  /** The user row behind a session, or the creator of a token; null otherwise. */
  userId: string | null;
  sessionId?: string;
  tokenId?: string;
  /** A first-start admin's session may only change its password until it has. */
  mustChangePassword?: boolean;
}

export interface RequestContext {
  /** The principal's actor: what every audit row records. */
  actor: string;
  requestId: string;
  principal: Principal;
}

export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({
  kind: 'anonymous',
  actor: 'anonymous',
  role: null,
  userId: null,
});

/** The context of work the server does on its own: `system:<component>`. */
export function systemContext(component: string, requestId: string = component): RequestContext {
  const actor = `system:${component}`;
  return Object.freeze({
    actor,
    requestId,
    principal: Object.freeze({ kind: 'system', actor, role: null, userId: null }),
  });
}

export function requestContextOf(principal: Principal, requestId: string): RequestContext {
  return { actor: principal.actor, requestId, principal };
}

export const SYSTEM_CONTEXT: RequestContext = systemContext('boot');

/**
 * Who is asking, from a request's credentials, once per request: `Authorization: Bearer
 * pki_…` (an API token) wins over the session cookie. Neither, or one that does not check
 * out, is the anonymous principal; a real token that may no longer be used (revoked,
 * expired) is anonymous too but keeps its actor, so its refusal is audited under it.
 */
import type { Principal } from '../request-context.js';
import { ANONYMOUS_PRINCIPAL } from '../request-context.js';
import type { ApiTokenService } from './api-token-service.js';
import type { SessionService } from './session-service.js';

export interface Credentials {
  sessionToken?: string | undefined;
  /** The value after `Bearer `. */
  bearer?: string | undefined;
}

export interface Authentication {
  principal: Principal;
  /** Set when a real credential was refused: audited under `actor` with `reason`. */
  refusedCredential?: { actor: string; reason: string };
}

export class Authenticator {
  constructor(private readonly deps: { sessions: SessionService; tokens: ApiTokenService }) {}

  authenticate(credentials: Credentials): Authentication {
    if (credentials.bearer !== undefined) {
      const resolution = this.deps.tokens.resolve(credentials.bearer);
      switch (resolution.kind) {
        case 'valid':
          return { principal: resolution.principal };
        case 'refused':
          return {
            principal: ANONYMOUS_PRINCIPAL,
            refusedCredential: { actor: resolution.actor, reason: resolution.reason },
          };
        case 'invalid':
          return { principal: ANONYMOUS_PRINCIPAL };
      }
    }
    if (credentials.sessionToken !== undefined) {
      const principal = this.deps.sessions.resolve(credentials.sessionToken);
      if (principal !== undefined) return { principal };
    }
    return { principal: ANONYMOUS_PRINCIPAL };
  }
}

/** The bearer value of an `Authorization` header, if it is one. */
export function bearerOf(authorization: string | undefined): string | undefined {
  const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}

/**
 * The tRPC context: the services, who is asking (resolved once per request from the
 * session cookie or a bearer token), and what a procedure may do to the HTTP answer (the
 * session cookie). `createContextInner` builds it without HTTP (tests call routers through
 * `createCaller`, with a principal made by the real services); `createContext` adds the
 * Fastify request.
 */
import type { CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';

import { authenticateRequest } from '../http/principal.js';
import { clearSessionCookie, setSessionCookie } from '../http/session-cookie.js';
import type { Principal, RequestContext } from '../request-context.js';
import { ANONYMOUS_PRINCIPAL, requestContextOf } from '../request-context.js';
import type { AppServices } from '../services.js';

/** What a procedure may change of the HTTP answer; nothing happens without HTTP. */
export interface ResponseControl {
  setSessionCookie(token: string, expiresAt: Date): void;
  clearSessionCookie(): void;
  setHeader(name: string, value: string): void;
}

const NO_RESPONSE: ResponseControl = {
  setSessionCookie: () => undefined,
  clearSessionCookie: () => undefined,
  setHeader: () => undefined,
};

export interface ContextInner {
  services: AppServices;
  principal: Principal;
  /** The principal's actor, for every audit row. */
  actor: string;
  requestId: string;
  /** What services take: actor, request id and principal. */
  request: RequestContext;
  clientAddress: string;
  /** A real token that may no longer be used: its refusal is audited under its actor. */
  refusedCredential: { actor: string; reason: string } | undefined;
  response: ResponseControl;
}

export function createContextInner(options: {
  services: AppServices;
  requestId?: string;
  principal?: Principal;
  clientAddress?: string;
  refusedCredential?: { actor: string; reason: string };
  response?: ResponseControl;
}): ContextInner {
  const principal = options.principal ?? ANONYMOUS_PRINCIPAL;
  const requestId = options.requestId ?? crypto.randomUUID();
  return {
    services: options.services,
    principal,
    actor: principal.actor,
    requestId,
    request: requestContextOf(principal, requestId),
    clientAddress: options.clientAddress ?? 'in-process',
    refusedCredential: options.refusedCredential,
    response: options.response ?? NO_RESPONSE,
  };
}

export function createContextFactory(services: AppServices) {
  return ({ req, res }: CreateFastifyContextOptions): ContextInner => {
    const { principal, refusedCredential } = authenticateRequest(req);
    return createContextInner({
      services,
      requestId: req.id,
      principal,
      clientAddress: req.ip,
      ...(refusedCredential === undefined ? {} : { refusedCredential }),
      response: {
        setSessionCookie: (token, expiresAt) => setSessionCookie(res, token, expiresAt),
        clearSessionCookie: () => clearSessionCookie(res),
        setHeader: (name, value) => void res.header(name, value),
      },
    });
  };
}

export type Context = ContextInner;

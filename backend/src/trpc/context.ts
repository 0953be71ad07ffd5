/**
 * The tRPC context: the services, who is asking (resolved once per request from the
 * session cookie or a bearer token), and what a procedure may do to the HTTP answer (the
 * session cookie). `createContextInner` builds it without HTTP (tests call routers through
 * `createCaller`, with a principal made by the real services); `createContextFactory` adds
 * the Fastify request and reply. Procedures get the services without the database handle:
 * they call services.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import { authenticateRequest } from '../http/principal.js';
import { clearSessionCookie, setSessionCookie } from '../http/session-cookie.js';
import type { Principal, RequestContext } from '../request-context.js';
import { ANONYMOUS_PRINCIPAL, requestContextOf } from '../request-context.js';
import type { AppServices, ProcedureServices } from '../services.js';

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
  services: ProcedureServices;
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
  services: AppServices | ProcedureServices;
  requestId?: string;
  principal?: Principal;
  clientAddress?: string;
  refusedCredential?: { actor: string; reason: string };
  response?: ResponseControl;
}): ContextInner {
  const principal = options.principal ?? ANONYMOUS_PRINCIPAL;
  const requestId = options.requestId ?? crypto.randomUUID();
  return {
    services: procedureServices(options.services),
    principal,
    actor: principal.actor,
    requestId,
    request: requestContextOf(principal, requestId),
    clientAddress: options.clientAddress ?? 'in-process',
    refusedCredential: options.refusedCredential,
    response: options.response ?? NO_RESPONSE,
  };
}

/** The context of a call over HTTP; the request id is Fastify's (a well-formed x-request-id is kept). */
export function createContextFactory(
  services: AppServices,
): (options: { req: FastifyRequest; res: FastifyReply }) => ContextInner {
  const withoutDatabase = procedureServices(services);
  return ({ req, res }) => {
    const { principal, refusedCredential } = authenticateRequest(req);
    return createContextInner({
      services: withoutDatabase,
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

/** Drops the database handle at run time too, so no procedure can reach it through a cast. */
function procedureServices(services: AppServices | ProcedureServices): ProcedureServices {
  if (!('database' in services)) return services;
  const { database: _database, ...procedureServices } = services;
  return procedureServices;
}

export type Context = ContextInner;

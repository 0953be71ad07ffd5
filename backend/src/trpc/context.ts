/**
 * The tRPC context: the services and who is asking. `createContextInner` builds it without
 * HTTP (tests call routers through `createCaller`); `createContextFactory` adds the Fastify
 * request. Procedures get the services without the database handle: they call services.
 */
import type { FastifyRequest } from 'fastify';

import type { AppServices, ProcedureServices } from '../services.js';

export interface ContextInner {
  services: ProcedureServices;
  /** Until sign-in lands every caller is "anonymous"; the seam is `protectedProcedure`. */
  actor: string;
  requestId: string;
}

export function createContextInner(options: {
  services: AppServices | ProcedureServices;
  requestId?: string;
  actor?: string;
}): ContextInner {
  return {
    services: procedureServices(options.services),
    actor: options.actor ?? 'anonymous',
    requestId: options.requestId ?? crypto.randomUUID(),
  };
}

/** The context of a call over HTTP; the request id is Fastify's (a well-formed x-request-id is kept). */
export function createContextFactory(services: AppServices): (options: { req: FastifyRequest }) => ContextInner {
  const withoutDatabase = procedureServices(services);
  return ({ req }) => createContextInner({ services: withoutDatabase, requestId: req.id });
}

/** Drops the database handle at run time too, so no procedure can reach it through a cast. */
function procedureServices(services: AppServices | ProcedureServices): ProcedureServices {
  if (!('database' in services)) return services;
  const { database: _database, ...procedureServices } = services;
  return procedureServices;
}

export type Context = ContextInner;

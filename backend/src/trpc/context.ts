/**
 * The tRPC context: the services and who is asking. `createContextInner` builds it without
 * HTTP (tests call routers through `createCaller`); `createContext` adds the Fastify request.
 */
import type { CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';

import type { AppServices } from '../services.js';

export interface ContextInner {
  services: AppServices;
  /** Until sign-in lands every caller is "anonymous"; the seam is `protectedProcedure`. */
  actor: string;
  requestId: string;
}

export function createContextInner(options: {
  services: AppServices;
  requestId?: string;
  actor?: string;
}): ContextInner {
  return {
    services: options.services,
    actor: options.actor ?? 'anonymous',
    requestId: options.requestId ?? crypto.randomUUID(),
  };
}

export function createContextFactory(services: AppServices) {
  return ({ req }: CreateFastifyContextOptions): ContextInner => createContextInner({ services, requestId: req.id });
}

export type Context = ContextInner;

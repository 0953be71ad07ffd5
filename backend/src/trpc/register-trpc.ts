/**
 * Mounts the tRPC API under `/trpc`: tRPC's own Fastify adapter for every call, and in front
 * of it the hot-procedure routes (hot-procedure-routes.ts) unless a test turns them off to
 * compare against the adapter alone.
 */
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import type { FastifyInstance } from 'fastify';

import type { AppServices } from '../services.js';
import { createContextFactory } from './context.js';
import { registerHotProcedureRoutes } from './hot-procedure-routes.js';
import { appRouter } from './router.js';
import type { AppRouter } from './router.js';

export async function registerTrpc(
  app: FastifyInstance,
  options: { services: AppServices; areHotProcedureRoutesEnabled: boolean },
): Promise<void> {
  const createContext = createContextFactory(options.services);
  // An adapter option beyond these two (onError, responseMeta, …) must be taught to the hot
  // routes too, or the calls they answer would go without it.
  const adapterOptions: FastifyTRPCPluginOptions<AppRouter>['trpcOptions'] = { router: appRouter, createContext };
  await app.register(
    async (scope) => {
      if (options.areHotProcedureRoutesEnabled) {
        // The adapter's body parsers (it registers them in its own child scope), so a call the
        // hot routes hand over reaches `fastifyRequestHandler` with the body the adapter would see.
        scope.removeContentTypeParser('application/json');
        scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
          done(null, body),
        );
        scope.removeContentTypeParser('multipart/form-data');
        scope.addContentTypeParser('multipart/form-data', {}, (_request, body, done) => done(null, body));
        registerHotProcedureRoutes(scope, { createContext, adapterOptions });
      }
      await scope.register(fastifyTRPCPlugin, { trpcOptions: adapterOptions });
    },
    { prefix: '/trpc' },
  );
}

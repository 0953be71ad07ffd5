/**
 * Mounts the tRPC API under `/trpc`: tRPC's own Fastify adapter for every call, and in front
 * of it the hot-procedure routes (hot-procedure-routes.ts) unless a test turns them off to
 * compare against the adapter alone.
 *
 * No single request may stall the server (issue 15: one GET batch of 226 `audit.verifyChain`
 * calls froze the event loop for minutes). Before any procedure runs, a request is bounded
 * three ways: at most MAX_TRPC_BATCH_SIZE calls (tRPC's `maxBatchSize`), a cost budget per
 * request in which a heavy procedure takes all of it (so it runs alone), and a cap on how many
 * of a heavy procedure run at once across requests (429 beyond it).
 */
import { TRPCError } from '@trpc/server';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { MAX_TRPC_BATCH_SIZE } from '@pki/shared';

import type { AppServices } from '../services.js';
import { createContextFactory } from './context.js';
import { registerHotProcedureRoutes } from './hot-procedure-routes.js';
import { formatProcedureError } from './init.js';
import { appRouter } from './router.js';
import type { AppRouter } from './router.js';

/** What one request may spend; an ordinary call costs 1. */
const REQUEST_COST_BUDGET = MAX_TRPC_BATCH_SIZE;

/** Procedures that cost more than an ordinary call, and how many may run at once. */
const HEAVY_PROCEDURES: Readonly<Record<string, { cost: number; maxInFlight: number }>> = {
  // Walks the whole hash chain: alone in its request, and two at a time at most.
  'audit.verifyChain': { cost: REQUEST_COST_BUDGET, maxInFlight: 2 },
};

function procedurePathsOf(request: FastifyRequest): string[] {
  const url = request.url;
  const queryStart = url.indexOf('?');
  const pathPart = url.slice(url.indexOf('/trpc/') + '/trpc/'.length, queryStart < 0 ? undefined : queryStart);
  const isBatch = queryStart >= 0 && new URLSearchParams(url.slice(queryStart + 1)).get('batch') === '1';
  const decoded = decodeURIComponent(pathPart);
  return isBatch ? decoded.split(',') : [decoded];
}

function refuse(reply: FastifyReply, code: 'BAD_REQUEST' | 'TOO_MANY_REQUESTS', message: string) {
  const shape = formatProcedureError({ error: new TRPCError({ code, message }), path: undefined, ctx: undefined });
  if (code === 'TOO_MANY_REQUESTS') void reply.header('retry-after', '1');
  return reply.code(shape.data.httpStatus).send({ error: shape });
}

/** The cost budget and the in-flight caps, checked before the body is read. */
function boundRequestCost(scope: FastifyInstance): void {
  const inFlight = new Map<string, number>();
  scope.addHook('onRequest', async (request, reply) => {
    if (!request.url.includes('/trpc/')) return;
    let paths: string[];
    try {
      paths = procedurePathsOf(request);
    } catch {
      return refuse(reply, 'BAD_REQUEST', 'The procedure path is not valid URL encoding.');
    }
    // tRPC's maxBatchSize answers too many calls; the budget is only checked within that size.
    if (paths.length > MAX_TRPC_BATCH_SIZE) return;
    const cost = paths.reduce((sum, path) => sum + (HEAVY_PROCEDURES[path]?.cost ?? 1), 0);
    if (cost > REQUEST_COST_BUDGET) {
      return refuse(
        reply,
        'BAD_REQUEST',
        'This batch asks for more work than one request may do; send heavy calls alone.',
      );
    }
    const heavy = [...new Set(paths.filter((path) => HEAVY_PROCEDURES[path] !== undefined))];
    for (const path of heavy) {
      if ((inFlight.get(path) ?? 0) >= (HEAVY_PROCEDURES[path]?.maxInFlight ?? Infinity)) {
        return refuse(reply, 'TOO_MANY_REQUESTS', `${path} is already running; try again shortly.`);
      }
    }
    for (const path of heavy) inFlight.set(path, (inFlight.get(path) ?? 0) + 1);
    if (heavy.length > 0) {
      reply.raw.once('close', () => {
        for (const path of heavy) inFlight.set(path, (inFlight.get(path) ?? 1) - 1);
      });
    }
  });
}

export async function registerTrpc(
  app: FastifyInstance,
  options: { services: AppServices; areHotProcedureRoutesEnabled: boolean },
): Promise<void> {
  const createContext = createContextFactory(options.services);
  // An adapter option beyond these two (onError, responseMeta, …) must be taught to the hot
  // routes too, or the calls they answer would go without it.
  const adapterOptions: FastifyTRPCPluginOptions<AppRouter>['trpcOptions'] = {
    router: appRouter,
    createContext,
    maxBatchSize: MAX_TRPC_BATCH_SIZE,
  };
  await app.register(
    async (scope) => {
      boundRequestCost(scope);
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

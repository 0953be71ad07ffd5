/**
 * A plain Fastify route for each procedure that clients call in bulk, in front of tRPC's
 * Fastify adapter. Why: the adapter turns every request into a Fetch `Request` and every
 * answer into a streamed `Response`, and for a single certificate issuance that round trip
 * is a large share of the work (the issuance-http bench shows it).
 *
 * What keeps the answers the same: the route calls the very procedure through
 * `createCaller`, with the context from the same `createContext`, so `authorized(permission)`
 * (where authorization lands), the error mapping and the input schema all run unchanged;
 * an error is shaped by `formatProcedureError`, the adapter's own errorFormatter, and its
 * status is the shape's httpStatus, as tRPC answers it. Anything but a plain JSON call — a
 * batch or any other query string, a streaming accept header, another content type, a body
 * that is not JSON — is handed, untouched, to tRPC's public `fastifyRequestHandler` before
 * the procedure runs. `hot-procedure-routes.test.ts` sends every procedure to an app with
 * these routes and to one without, and compares status, headers and body.
 */
import { getTRPCErrorFromUnknown } from '@trpc/server';
import type { FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import { fastifyRequestHandler } from '@trpc/server/adapters/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import type { Context } from './context.js';
import { createCallerFactory, formatProcedureError } from './init.js';
import { appRouter } from './router.js';
import type { AppRouter } from './router.js';

type AppCaller = ReturnType<ReturnType<typeof createCallerFactory<AppRouter['_def']['record']>>>;

interface HotProcedure {
  /** The tRPC path; the route is `POST <prefix>/<path>`. Mutations only: queries are cheap GETs. */
  path: string;
  /** The raw input goes unchecked to the procedure, whose input schema validates it. */
  call: (caller: AppCaller, input: never) => Promise<unknown>;
}

/** The procedures worth a route of their own: the CLI and scripts issue certificates in bulk. */
const HOT_PROCEDURES: readonly HotProcedure[] = [
  { path: 'certificates.issueFromCsr', call: (caller, input) => caller.certificates.issueFromCsr(input) },
];

export const HOT_PROCEDURE_PATHS: readonly string[] = HOT_PROCEDURES.map((procedure) => procedure.path);

type AdapterOptions = FastifyTRPCPluginOptions<AppRouter>['trpcOptions'];

const createCaller = createCallerFactory(appRouter);

/**
 * Registers the routes in `scope`, the Fastify scope that also registers tRPC's adapter with
 * the same options (and so the same content-type parsers, see `registerTrpc`).
 */
export function registerHotProcedureRoutes(
  scope: FastifyInstance,
  options: {
    createContext: (options: { req: FastifyRequest; res: FastifyReply }) => Context;
    adapterOptions: AdapterOptions;
  },
): void {
  for (const procedure of HOT_PROCEDURES) {
    scope.post(`/${procedure.path}`, async (request, reply) => {
      const input = plainJsonInput(request);
      if (input === NOT_PLAIN) {
        return fastifyRequestHandler({ ...options.adapterOptions, req: request, res: reply, path: procedure.path });
      }
      const ctx = options.createContext({ req: request, res: reply });
      let answer: unknown;
      let status = 200;
      try {
        const caller = createCaller(ctx, { signal: abortWhenClientLeaves(reply) });
        answer = { result: { data: await procedure.call(caller, input as never) } };
      } catch (cause) {
        const shape = formatProcedureError({ error: getTRPCErrorFromUnknown(cause), path: procedure.path, ctx });
        status = shape.data.httpStatus;
        answer = { error: shape };
      }
      // A Buffer, because Fastify appends "; charset=utf-8" to the content type of a string body.
      return reply
        .code(status)
        .header('content-type', 'application/json')
        .header('vary', 'trpc-accept, accept')
        .send(Buffer.from(JSON.stringify(answer)));
    });
  }
}

const NOT_PLAIN = Symbol('not a plain JSON call');

/** The parsed body of a plain single JSON call, or NOT_PLAIN for the adapter to answer. */
function plainJsonInput(request: FastifyRequest): unknown {
  if (request.raw.url?.includes('?') !== false) return NOT_PLAIN;
  if (!isJsonContentType(request.headers['content-type']) || typeof request.body !== 'string') return NOT_PLAIN;
  // Any accept value tRPC recognizes means a streaming client.
  if (request.headers['trpc-accept'] !== undefined || acceptsJsonLines(request.headers.accept)) return NOT_PLAIN;
  try {
    return JSON.parse(request.body);
  } catch {
    // tRPC words the refusal (and skips a byte order mark, which JSON.parse does not).
    return NOT_PLAIN;
  }
}

/** Media types are case-insensitive (RFC 9110 §8.3.1); parameters such as charset do not matter. */
function isJsonContentType(contentType: string | undefined): boolean {
  return contentType?.toLowerCase().split(';', 1)[0]?.trim() === 'application/json';
}

function acceptsJsonLines(accept: string | undefined): boolean {
  return accept !== undefined && accept.split(',').some((type) => type.trim() === 'application/jsonl');
}

/** The signal tRPC's adapter gives a procedure: aborted when the client leaves before the answer. */
function abortWhenClientLeaves(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) controller.abort();
  });
  return controller.signal;
}

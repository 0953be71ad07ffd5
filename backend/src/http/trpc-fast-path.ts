/**
 * A fast path for single (non-batched) JSON tRPC calls, in front of tRPC's Fastify adapter.
 *
 * Why: tRPC 11's adapter turns every request into a Fetch `Request` and every answer into a
 * `Response` with web streams, which cost ~0.8 ms per call on this machine — most of the gap
 * between a plain Fastify route and `/trpc/certificates.issueFromCsr` in the issuance bench.
 *
 * What it keeps: the wire format and the call itself. It does for one call what
 * `resolveResponse` (@trpc/server 11.22, `unstable-core-do-not-import/http/resolveResponse.ts`
 * and `contentType.ts`) does, in the same order and with tRPC's own functions: context first,
 * then 404 for an unknown path, 405 for the wrong method, then the procedure itself — the
 * very procedure object the adapter would call, so `protectedProcedure`, `mapErrors` and the
 * input parsers run unchanged — with the same lazy, memoized input reading (a body that does
 * not parse fails inside the input middleware, as it does there), the same error shape
 * (`getErrorShape` with our errorFormatter) and the same status (`getHTTPStatusCode`).
 *
 * What it leaves alone: anything that is not a plain single JSON call (batches, any query
 * parameter other than `input`, a path still percent-encoded once Fastify decoded it, streaming accept headers, other
 * content types, other methods, subscriptions, an unparseable Host) falls through, untouched,
 * to the adapter registered in the same scope. `trpc-fast-path.test.ts` sends the same
 * requests to an app with and without it and compares status, headers and bodies byte for byte.
 */
import { TRPCError } from '@trpc/server';
import type { AnyTRPCRouter } from '@trpc/server';
import type { FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import { getHTTPStatusCode } from '@trpc/server/http';
import type { TRPCRequestInfo } from '@trpc/server/http';
import {
  getErrorShape,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  isAsyncIterable,
  isObject,
  isPromise,
  transformTRPCResponse,
} from '@trpc/server/unstable-core-do-not-import';
import type {
  AnyProcedure,
  AnyRootTypes,
  ProcedureType,
  RootConfig,
  TRPCErrorShape,
  TRPCResponse,
} from '@trpc/server/unstable-core-do-not-import';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

type AdapterOptions<TRouter extends AnyTRPCRouter> = FastifyTRPCPluginOptions<TRouter>['trpcOptions'];

/** The adapter options the fast path reproduces; any other option would change the answers. */
const REPRODUCED_OPTIONS = new Set(['router', 'createContext']);

/** resolveResponse's TYPE_ACCEPTED_METHOD_MAP without method override (the adapter's default). */
const ACCEPTED_METHOD: Record<Exclude<ProcedureType, 'subscription'>, 'GET' | 'POST'> = {
  query: 'GET',
  mutation: 'POST',
};

const UTF8_BYTE_ORDER_MARK = '\uFEFF';

/**
 * Adds the fast path to `scope`, the Fastify scope in which the tRPC adapter is registered
 * with the same options: a preHandler answers the calls it can reproduce and lets every other
 * request reach the adapter's route. Throws when the options hold anything beyond `router` and
 * `createContext` (onError, responseMeta, batching…), which it would not reproduce.
 */
export function registerTrpcFastPath<TRouter extends AnyTRPCRouter>(
  scope: FastifyInstance,
  options: AdapterOptions<TRouter>,
): void {
  const unreproduced = Object.keys(options).filter((key) => !REPRODUCED_OPTIONS.has(key));
  if (unreproduced.length > 0) {
    throw new Error(
      `the tRPC fast path does not reproduce the adapter option(s) ${unreproduced.join(', ')}; teach it or do not register it`,
    );
  }
  const { router, createContext } = options;

  scope.addHook('preHandler', async (request, reply) => {
    const call = await recognizeSingleJsonCall(router, request);
    if (call === undefined) return;
    const answer = await answerCall(router, createContext, request, reply, call);
    // A Buffer, because Fastify appends "; charset=utf-8" to the content type of a string body.
    return reply
      .code(answer.status)
      .header('content-type', 'application/json')
      .header('vary', 'trpc-accept, accept')
      .send(Buffer.from(answer.body));
  });
}

interface SingleCall {
  method: 'GET' | 'POST';
  path: string;
  procedure: AnyProcedure | null;
  url: URL;
}

/** Returns the call when it is one the fast path reproduces, undefined to let the adapter answer. */
async function recognizeSingleJsonCall(
  router: AnyTRPCRouter,
  request: FastifyRequest,
): Promise<SingleCall | undefined> {
  const method = request.method;
  if (method !== 'GET' && method !== 'POST') return undefined;
  const path = (request.params as { path?: unknown }).path;
  // The adapter decodes the (already decoded) path a second time; without '%' that is the identity.
  if (typeof path !== 'string' || path.includes('%')) return undefined;
  // Any accept value tRPC recognizes means a streaming or subscription client.
  if (request.headers['trpc-accept'] !== undefined || acceptsJsonLines(request.headers.accept)) return undefined;

  const contentType = request.headers['content-type'];
  if (method === 'POST') {
    if (!isJsonContentType(contentType) || typeof request.body !== 'string') return undefined;
  } else if (contentType !== undefined && !isJsonContentType(contentType)) {
    return undefined;
  }

  const url = requestUrl(request);
  if (url === undefined) return undefined;
  for (const key of url.searchParams.keys()) if (key !== 'input') return undefined;

  const procedure = await getProcedureAtPath(router, path);
  if (procedure?._def.type === 'subscription') return undefined;
  return { method, path, procedure, url };
}

/** tRPC's `getAcceptHeader`: a comma-separated accept list naming application/jsonl. */
function acceptsJsonLines(accept: string | undefined): boolean {
  return accept !== undefined && accept.split(',').some((type) => type.trim() === 'application/jsonl');
}

/** tRPC's `hasContentType(req, 'application/json')`: media types are case-insensitive. */
function isJsonContentType(contentType: string | undefined): boolean {
  return contentType?.toLowerCase().split(';', 1)[0]?.trim() === 'application/json';
}

/** The URL tRPC's node adapter builds (`createURL`); undefined where it would throw. */
function requestUrl(request: FastifyRequest): URL | undefined {
  const headers = request.headers;
  const socket = request.raw.socket as { encrypted?: boolean } | null;
  const protocol = headers[':scheme'] === 'https' || socket?.encrypted ? 'https:' : 'http:';
  const host = headers.host ?? headers[':authority'] ?? 'localhost';
  try {
    return new URL(request.raw.url ?? '', `${protocol}//${String(host)}`);
  } catch {
    return undefined;
  }
}

interface Answer {
  status: number;
  body: string;
}

/**
 * The single-call branch of `resolveResponse`, step for step. Rejects only where the adapter's
 * handler would reject too (the error formatter throwing), so Fastify's error handler answers.
 */
async function answerCall<TRouter extends AnyTRPCRouter>(
  router: TRouter,
  createContext: AdapterOptions<TRouter>['createContext'],
  request: FastifyRequest,
  reply: FastifyReply,
  call: SingleCall,
): Promise<Answer> {
  const config = router._def._config as RootConfig<AnyRootTypes>;
  const { path, procedure } = call;
  const type: ProcedureType | 'unknown' = procedure?._def.type ?? 'unknown';
  const input = memoizedInput(config, call, request.body);
  const signal = abortWhenClientLeaves(reply);
  const info: TRPCRequestInfo = {
    isBatchCall: false,
    accept: null,
    calls: [{ batchIndex: 0, path, procedure, getRawInput: input.read, result: input.result }],
    type,
    connectionParams: null,
    signal,
    url: call.url,
  };

  let ctx: unknown;
  let contextError: TRPCError | undefined;
  try {
    ctx = await createContext?.({ req: request, res: reply, info });
  } catch (cause) {
    contextError = getTRPCErrorFromUnknown(cause);
  }

  try {
    let error: TRPCError | undefined;
    let data: unknown;
    try {
      if (!procedure) throw new TRPCError({ code: 'NOT_FOUND', message: `No procedure found on path "${path}"` });
      const procedureType = procedure._def.type as Exclude<ProcedureType, 'subscription'>;
      if (ACCEPTED_METHOD[procedureType] !== call.method) {
        throw new TRPCError({
          code: 'METHOD_NOT_SUPPORTED',
          message: `Unsupported ${call.method}-request to ${procedureType} procedure at path "${path}"`,
        });
      }
      if (contextError) throw contextError;
      data = await procedure({ path, getRawInput: input.read, ctx, type: procedureType, signal, batchIndex: 0 });
    } catch (cause) {
      error = getTRPCErrorFromUnknown(cause);
    }

    if (!error && isDataStream(data)) {
      throw new TRPCError({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink',
      });
    }
    const response: TRPCResponse = error
      ? { error: errorShape({ config, ctx: contextError ? undefined : ctx, error, input: input.result(), path, type }) }
      : { result: { data } };
    return { status: getHTTPStatusCode([response]), body: JSON.stringify(transformTRPCResponse(config, response)) };
  } catch (cause) {
    // resolveResponse's outer catch (`caughtErrorToData`): no path and no input in the shape.
    const error = getTRPCErrorFromUnknown(cause);
    const response: TRPCResponse = {
      error: errorShape({
        config,
        ctx: contextError ? undefined : ctx,
        error,
        input: undefined,
        path: undefined,
        type,
      }),
    };
    return { status: getHTTPStatusCode(response), body: JSON.stringify(transformTRPCResponse(config, response)) };
  }
}

/** tRPC's `getErrorShape`, typed for a router whose error shape is whatever its formatter returns. */
function errorShape(options: Parameters<typeof getErrorShape<AnyRootTypes>>[0]): TRPCErrorShape {
  return getErrorShape(options) as TRPCErrorShape;
}

/**
 * The input as tRPC's JSON content-type handler reads it: lazily (only an input parser asks),
 * once, with any failure that is not already a TRPCError turned into BAD_REQUEST.
 */
function memoizedInput(config: RootConfig<AnyRootTypes>, call: SingleCall, body: unknown) {
  let pending: Promise<unknown> | undefined;
  let isRead = false;
  let value: unknown;

  const readRaw = (): unknown => {
    let parsed: unknown;
    if (call.method === 'GET') {
      const queryInput = call.url.searchParams.get('input');
      if (!queryInput) return undefined;
      parsed = JSON.parse(queryInput);
    } else {
      // `Request.json()` decodes UTF-8 and drops one byte order mark; Fastify handed us the text.
      const text = String(body);
      parsed = JSON.parse(text.startsWith(UTF8_BYTE_ORDER_MARK) ? text.slice(1) : text);
    }
    return config.transformer.input.deserialize(parsed);
  };

  return {
    read: async (): Promise<unknown> => {
      if (isRead) return value;
      pending ??= (async () => readRaw())().catch((cause: unknown) => {
        if (cause instanceof TRPCError) throw cause;
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: cause instanceof Error ? cause.message : 'Invalid input',
          cause,
        });
      });
      value = await pending;
      isRead = true;
      pending = undefined;
      return value;
    },
    result: (): unknown => (isRead ? value : undefined),
  };
}

/** The adapter's request signal: aborted when the connection closes before the answer is sent. */
function abortWhenClientLeaves(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) controller.abort();
  });
  return controller.signal;
}

/** resolveResponse's `isDataStream`. */
function isDataStream(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (isAsyncIterable(value)) return true;
  const members = Object.values(value);
  return members.some(isPromise) || members.some(isAsyncIterable);
}

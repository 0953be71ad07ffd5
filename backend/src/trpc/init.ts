/**
 * tRPC instance, the error formatter and the procedure builders. Every procedure is built
 * from `protectedProcedure`: the one place where authentication and roles will be enforced.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { ZodError, z } from 'zod';

import { mapError } from '../error-mapping.js';
import { AppError } from '../errors.js';
import { KmsError } from '../kms/errors.js';
import type { RequestContext } from '../request-context.js';
import type { Context } from './context.js';

/**
 * The error shape every client sees, built from the TRPCError alone: tRPC's default fields
 * (message, numeric code, data.code, data.httpStatus, data.path) plus our stable `appCode`,
 * the request id and zod's field errors. The tRPC adapter calls it as the errorFormatter and
 * the hot-procedure routes call it directly, so both answer an error with the same bytes.
 */
export function formatProcedureError(options: {
  error: TRPCError;
  path: string | undefined;
  ctx: Context | undefined;
}) {
  const { error, path, ctx } = options;
  const cause = error.cause;
  const appCode = cause && !(cause instanceof ZodError) ? mapError(cause).appCode : undefined;
  return {
    message: error.message,
    code: TRPC_ERROR_CODES_BY_KEY[error.code],
    data: {
      code: error.code,
      httpStatus: getHTTPStatusCodeFromError(error),
      path,
      appCode: appCode ?? (cause instanceof ZodError ? 'VALIDATION_FAILED' : error.code),
      requestId: ctx?.requestId,
      fieldErrors: cause instanceof ZodError ? z.flattenError(cause).fieldErrors : undefined,
    },
  };
}

const t = initTRPC.context<Context>().create({
  // Stack traces never reach a client, whatever the mode.
  isDev: false,
  errorFormatter: ({ error, path, ctx }) => formatProcedureError({ error, path, ctx }),
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Translates service errors into tRPC errors with a user-safe message; logs server faults in full. */
const mapErrors = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (result.ok) return result;
  const original = result.error.cause ?? result.error;
  // tRPC's own refusals (bad JSON, wrong method, input validation) already carry the right
  // code; only our errors and unexpected throws need the table.
  const isOurs = original instanceof AppError || original instanceof KmsError;
  if (original instanceof ZodError || (!isOurs && result.error.code !== 'INTERNAL_SERVER_ERROR')) {
    throw result.error;
  }
  const mapped = mapError(original);
  const log = ctx.services.log;
  if (mapped.isServerFault) log.error({ err: original, requestId: ctx.requestId, path }, 'procedure failed');
  else log.info({ requestId: ctx.requestId, path, code: mapped.appCode }, 'procedure refused');
  throw new TRPCError({
    code: mapped.trpcCode,
    message: mapped.isServerFault ? `${mapped.message} Request id: ${ctx.requestId}.` : mapped.message,
    cause: original,
  });
});

export const publicProcedure = t.procedure.use(mapErrors);

/**
 * Authorization goes here when sign-in lands (roles admin/operator/auditor, API tokens).
 * Today everyone passes and is recorded as the context's actor ("anonymous").
 */
export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  const request: RequestContext = { actor: ctx.actor, requestId: ctx.requestId };
  return next({ ctx: { ...ctx, request } });
});

/**
 * tRPC instance, the error formatter and the procedure builders. Every procedure is built
 * from `protectedProcedure`: the one place where authentication and roles will be enforced.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError, z } from 'zod';

import { AppError } from '../errors.js';
import { KmsError } from '../kms/kmip/errors.js';
import type { RequestContext } from '../request-context.js';
import type { Context } from './context.js';
import { mapError } from './error-mapping.js';

const t = initTRPC.context<Context>().create({
  // Stack traces never reach a client, whatever the mode.
  isDev: false,
  errorFormatter({ shape, error, ctx }) {
    const cause = error.cause;
    const appCode =
      error instanceof TRPCError && cause && !(cause instanceof ZodError) ? mapError(cause).appCode : undefined;
    return {
      ...shape,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        appCode: appCode ?? (cause instanceof ZodError ? 'VALIDATION_FAILED' : shape.data.code),
        requestId: ctx?.requestId,
        fieldErrors: cause instanceof ZodError ? z.flattenError(cause).fieldErrors : undefined,
      },
    };
  },
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
  const isPassedThrough = original instanceof ZodError || (!isOurs && result.error.code !== 'INTERNAL_SERVER_ERROR');
  const mapped = mapError(original);
  // Metrics count errors by code from failure rows; this counts what wrote none.
  const code =
    original instanceof ZodError ? 'VALIDATION_FAILED' : isPassedThrough ? result.error.code : mapped.appCode;
  ctx.services.metrics.countAnsweredError(ctx.requestId, code);
  if (isPassedThrough) throw result.error;
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

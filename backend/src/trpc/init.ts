/**
 * tRPC instance, the error formatter and the procedure builders. Every procedure declares
 * its permission next to its definition, `authorized('certificates.issue')`, and one
 * middleware enforces the role table (auth/permissions.ts); `publicProcedure` is only for
 * what anonymous callers may reach (sign-in). The declared permission is the procedure's
 * `meta`, so the authorization matrix test reads it from the router.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { ZodError, z } from 'zod';

import type { Permission } from '../auth/permissions.js';
import { isAllowed } from '../auth/permissions.js';
import { INVALID_JSON_CODE, mapError } from '../error-mapping.js';
import { AppError, ForbiddenError, RateLimitedError, UnauthenticatedError } from '../errors.js';
import { KmsError } from '../kms/errors.js';
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
  const appCode = cause instanceof ZodError ? 'VALIDATION_FAILED' : appCodeOf(error);
  return {
    message: error.message,
    code: TRPC_ERROR_CODES_BY_KEY[error.code],
    data: {
      code: error.code,
      httpStatus: getHTTPStatusCodeFromError(error),
      path,
      appCode,
      requestId: ctx?.requestId,
      fieldErrors: cause instanceof ZodError ? z.flattenError(cause).fieldErrors : undefined,
    },
  };
}

/**
 * Our stable code for a procedure error. tRPC's own refusals keep their code, except a body
 * tRPC could not parse: that is the client's malformed JSON (INVALID_JSON), not our fault,
 * although tRPC answers it as BAD_REQUEST with the parser's SyntaxError as its cause.
 */
function appCodeOf(error: TRPCError): string {
  const cause = error.cause;
  if (error.code === 'PARSE_ERROR' || (error.code === 'BAD_REQUEST' && cause instanceof SyntaxError))
    return INVALID_JSON_CODE;
  if (cause instanceof AppError || cause instanceof KmsError) return mapError(cause).appCode;
  if (error.code === 'INTERNAL_SERVER_ERROR') return mapError(cause ?? error).appCode;
  return error.code;
}

/** What each procedure declares: a permission, or `public` for anonymous callers. */
export interface ProcedureMeta {
  permission: Permission | 'public';
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    // Stack traces never reach a client, whatever the mode.
    isDev: false,
    errorFormatter: ({ error, path, ctx }) => formatProcedureError({ error, path, ctx }),
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Translates service errors into tRPC errors with a user-safe message; logs server faults in full. */
const mapErrors = t.middleware(async ({ ctx, next, path, type, getRawInput }) => {
  const result = await next();
  if (result.ok) return result;
  const original = result.error.cause ?? result.error;
  if (original instanceof ZodError && type === 'mutation' && ctx.principal.role !== null) {
    const rawInput = await getRawInput().catch(() => undefined);
    await ctx.services.refusedKeyInput.recordInvalidInput(ctx.request, path, rawInput, original);
  }
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
  if (original instanceof RateLimitedError) ctx.response.setHeader('retry-after', String(original.retryAfterSeconds));
  const log = ctx.services.log;
  if (mapped.isServerFault) log.error({ err: original, requestId: ctx.requestId, path }, 'procedure failed');
  else log.info({ requestId: ctx.requestId, path, code: mapped.appCode }, 'procedure refused');
  throw new TRPCError({
    code: mapped.trpcCode,
    message: mapped.isServerFault ? `${mapped.message} Request id: ${ctx.requestId}.` : mapped.message,
    cause: original,
  });
});

const baseProcedure = t.procedure.use(mapErrors);

/** Only for what anonymous callers may reach: sign-in and the sign-in page's needs. */
export const publicProcedure = baseProcedure.meta({ permission: 'public' });

/**
 * The one authorization seam: the principal must be signed in and its role must hold
 * `permission`; a first-start admin with a one-time password may only reach `self`
 * procedures until it is changed. Refusals are typed (401/403) and audited (auth/access-denials.ts).
 */
export function authorized(permission: Permission) {
  return baseProcedure.meta({ permission }).use(async ({ ctx, next, path }) => {
    const { principal } = ctx;
    const denials = ctx.services.auth.denials;
    if (principal.role === null) {
      if (ctx.refusedCredential === undefined) {
        denials.recordAnonymous(ctx.clientAddress, path, 'unauthenticated');
        throw new UnauthenticatedError();
      }
      const { actor, reason } = ctx.refusedCredential;
      await denials.recordSignedIn({ ...ctx.request, actor }, path, reason);
      throw new UnauthenticatedError(`Refused: ${reason}; sign in again or use another token.`);
    }
    if (!isAllowed(principal.role, permission)) {
      await denials.recordSignedIn(ctx.request, path, 'role', { permission, role: principal.role });
      throw new ForbiddenError(`${path} needs the ${permission} permission, which the ${principal.role} role lacks.`);
    }
    if (principal.mustChangePassword === true && permission !== 'self') {
      await denials.recordSignedIn(ctx.request, path, 'password change required', { permission });
      throw new ForbiddenError('Change your one-time password first (auth.changePassword).', {
        code: 'PASSWORD_CHANGE_REQUIRED',
      });
    }
    return next();
  });
}

/**
 * The one table from our error types to tRPC codes and HTTP statuses, applied once at each
 * edge: by the tRPC middleware (trpc/init.ts) and by the plain routes' error handler and the
 * OCSP route (http/). Messages of AppErrors and KMS errors are written for users and pass
 * through; anything else becomes a generic message carrying the request id, and the full
 * error is logged server-side only.
 */
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';

import {
  AppError,
  ApprovalRequiredError,
  ConfigError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PolicyError,
  RateLimitedError,
  UnauthenticatedError,
  ValidationError,
} from './errors.js';
import { KmsError } from './kms/errors.js';
import type { KmsErrorCode } from './kms/errors.js';

/** A request body that is not JSON, or not the JSON it claims to be: the client's fault (400). */
export const INVALID_JSON_CODE = 'INVALID_JSON';

/** Fastify's own client errors, by their FST_ERR_* code, as our stable codes. */
const FASTIFY_CLIENT_CODES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: INVALID_JSON_CODE,
  FST_ERR_CTP_EMPTY_JSON_BODY: INVALID_JSON_CODE,
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
};

/**
 * Fastify's code for a client error it raised itself (bad JSON, body too large, …) mapped to
 * ours; `BAD_REQUEST` for one we have no name for.
 */
export function fastifyClientErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof SyntaxError) return INVALID_JSON_CODE;
  return (typeof code === 'string' ? FASTIFY_CLIENT_CODES[code] : undefined) ?? 'BAD_REQUEST';
}

const KMS_CODES: Record<KmsErrorCode, TRPC_ERROR_CODE_KEY> = {
  KMS_NOT_FOUND: 'NOT_FOUND',
  KMS_PERMISSION_DENIED: 'FORBIDDEN',
  KMS_INVALID_REQUEST: 'UNPROCESSABLE_CONTENT',
  KMS_RATE_LIMITED: 'TOO_MANY_REQUESTS',
  KMS_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  KMS_TIMEOUT: 'GATEWAY_TIMEOUT',
  KMS_PROTOCOL_ERROR: 'BAD_GATEWAY',
  KMIP_DECODE_ERROR: 'BAD_GATEWAY',
};

/** Checked in order; the first class that matches wins. */
const APP_CODES: ReadonlyArray<[abstract new (...args: never[]) => AppError, TRPC_ERROR_CODE_KEY]> = [
  [ValidationError, 'BAD_REQUEST'],
  [NotFoundError, 'NOT_FOUND'],
  [ConflictError, 'CONFLICT'],
  [PolicyError, 'UNPROCESSABLE_CONTENT'],
  [ConfigError, 'INTERNAL_SERVER_ERROR'],
  [UnauthenticatedError, 'UNAUTHORIZED'],
  [ForbiddenError, 'FORBIDDEN'],
  [RateLimitedError, 'TOO_MANY_REQUESTS'],
  // 202 would be truer, but tRPC has no such code; the request is neither run nor refused.
  [ApprovalRequiredError, 'CONFLICT'],
];

/** User-facing messages for KMS failures: the server's own words stay in the logs. */
const KMS_MESSAGES: Record<KmsErrorCode, string> = {
  KMS_NOT_FOUND: 'The key was not found in the key store.',
  KMS_PERMISSION_DENIED: 'The key store refused the operation (permission denied).',
  KMS_INVALID_REQUEST: 'The key store rejected the request as invalid for this key.',
  KMS_RATE_LIMITED: 'The key store is rate limiting requests; try again shortly.',
  KMS_UNAVAILABLE: 'The key store is unavailable; try again later.',
  KMS_TIMEOUT: 'The key store did not answer in time.',
  KMS_PROTOCOL_ERROR: 'The key store gave an answer we could not understand.',
  KMIP_DECODE_ERROR: 'The key store gave an answer we could not understand.',
};

export interface MappedError {
  trpcCode: TRPC_ERROR_CODE_KEY;
  /** The status tRPC answers for `trpcCode`; the plain routes answer the same. */
  httpStatus: number;
  /** Our stable code, e.g. VALIDATION_FAILED, KMS_NOT_FOUND, INTERNAL. */
  appCode: string;
  /** Safe to show to a user. */
  message: string;
  /** Whether this is our bug or an outage worth logging at error level. */
  isServerFault: boolean;
}

export function mapError(error: unknown): MappedError {
  const mapped = mapToTrpcCode(error);
  return { ...mapped, httpStatus: httpStatusOf(mapped.trpcCode) };
}

/**
 * SQLite's and the OS's words for a full disk, on the error or anything that caused it: the
 * operation was refused whole (its transaction rolled back), and it is an outage, not a bug.
 */
const STORAGE_FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC']);

export function isStorageFull(error: unknown): boolean {
  for (let cause = error, depth = 0; cause !== null && cause !== undefined && depth < 5; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && STORAGE_FULL_CODES.has(code)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

function mapToTrpcCode(error: unknown): Omit<MappedError, 'httpStatus'> {
  if (isStorageFull(error)) {
    return {
      trpcCode: 'SERVICE_UNAVAILABLE',
      appCode: 'STORAGE_FULL',
      message: 'The server has no disk space left; nothing was changed. Try again once space is freed.',
      isServerFault: true,
    };
  }
  if (error instanceof KmsError) {
    const trpcCode = KMS_CODES[error.code];
    return {
      trpcCode,
      appCode: error.code,
      // A few KMS errors carry a message we wrote ourselves for the user (e.g. "key is revoked");
      // vendor text is only in serverMessage, which never leaves the server.
      message: error.code === 'KMS_INVALID_REQUEST' && error.message ? error.message : KMS_MESSAGES[error.code],
      isServerFault: trpcCode === 'SERVICE_UNAVAILABLE' || trpcCode === 'GATEWAY_TIMEOUT' || trpcCode === 'BAD_GATEWAY',
    };
  }
  if (error instanceof AppError) {
    const entry = APP_CODES.find(([errorClass]) => error instanceof errorClass);
    const trpcCode = entry?.[1] ?? 'INTERNAL_SERVER_ERROR';
    const isServerFault = trpcCode === 'INTERNAL_SERVER_ERROR';
    return {
      trpcCode,
      appCode: error.code,
      message: isServerFault ? 'Internal error.' : error.message,
      isServerFault,
    };
  }
  return { trpcCode: 'INTERNAL_SERVER_ERROR', appCode: 'INTERNAL', message: 'Internal error.', isServerFault: true };
}

const HTTP_STATUSES = new Map<TRPC_ERROR_CODE_KEY, number>();

/** tRPC's own code-to-status table, asked once per code. */
function httpStatusOf(code: TRPC_ERROR_CODE_KEY): number {
  let status = HTTP_STATUSES.get(code);
  if (status === undefined) {
    status = getHTTPStatusCodeFromError(new TRPCError({ code }));
    HTTP_STATUSES.set(code, status);
  }
  return status;
}

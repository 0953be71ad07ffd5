/**
 * Reading the tRPC errors that matter to sign-in. The backend's errorFormatter puts the tRPC
 * code, the HTTP status, the procedure path and the request id in `data`; errors are matched
 * by those, never by their message.
 */
export interface ApiErrorData {
  code?: string | undefined;
  httpStatus?: number | undefined;
  path?: string | undefined;
  appCode?: string | undefined;
  requestId?: string | undefined;
  /** Sent with a rate-limited answer (RATE_LIMITED) when the server says how long to wait. */
  retryAfterSeconds?: number | undefined;
}

export interface ApiErrorLike {
  message: string;
  data?: ApiErrorData | null | undefined;
}

function dataOf(error: unknown): ApiErrorData | undefined {
  if (typeof error !== 'object' || error === null || !('data' in error)) return undefined;
  const { data } = error;
  return typeof data === 'object' && data !== null ? data : undefined;
}

/** No valid session (expired, ended elsewhere, never signed in): the answer is to sign in. */
export function isUnauthenticated(error: unknown): boolean {
  const data = dataOf(error);
  return data?.httpStatus === 401 || data?.code === 'UNAUTHORIZED';
}

/** Signed in, but the role or the request rule refuses it: retrying or signing in again will not help. */
export function isForbidden(error: unknown): boolean {
  const data = dataOf(error);
  return data?.httpStatus === 403 || data?.code === 'FORBIDDEN';
}

/** The procedure that failed, e.g. `auth.signIn`, when the server named it. */
export function procedureOf(error: unknown): string | undefined {
  return dataOf(error)?.path;
}

/** Seconds to wait before the next attempt, when the server refused for too many attempts and said so. */
export function retryAfterSecondsOf(error: unknown): number | undefined {
  const data = dataOf(error);
  const isRateLimited = data?.code === 'TOO_MANY_REQUESTS' || data?.httpStatus === 429;
  const seconds = data?.retryAfterSeconds;
  if (!isRateLimited || typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  return Math.ceil(seconds);
}

/** Dual control stored the request instead of running it (APPROVAL_REQUIRED): a second admin must approve it. */
export function isApprovalRequired(error: unknown): boolean {
  return dataOf(error)?.appCode === 'APPROVAL_REQUIRED';
}

/** The request id the server gave a failed call, to find it in the server log. */
export function requestIdOf(error: unknown): string | undefined {
  const requestId = dataOf(error)?.requestId;
  return typeof requestId === 'string' ? requestId : undefined;
}

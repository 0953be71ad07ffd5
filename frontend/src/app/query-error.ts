/** The parts of a tRPC client error the console shows (the backend's formatter adds requestId). */
export interface QueryErrorLike {
  message: string;
  data?: { requestId?: string | undefined } | null | undefined;
}

/**
 * What a person can act on: a network failure reads as such rather than "Failed to fetch",
 * and a server-side failure carries its request id so it can be found in the logs.
 */
export function describeQueryError(error: QueryErrorLike): string {
  // Chromium says "Failed to fetch", Firefox "NetworkError when attempting to fetch resource".
  if (error.message === 'Failed to fetch' || error.message.includes('NetworkError')) {
    return 'the server did not answer';
  }
  const requestId = error.data?.requestId;
  if (requestId === undefined || error.message.includes(requestId)) return error.message;
  return `${error.message} (request id ${requestId})`;
}

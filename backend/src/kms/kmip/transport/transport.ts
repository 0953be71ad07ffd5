import { KmsError, KmsProtocolError, KmsTimeout, KmsUnavailable } from '../errors.js';

export interface RoundTripOptions {
  /** Abandons the request when it fires; the transport rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /**
   * Rejects with KmsTimeout when the answer has not come this long after the request was
   * sent, and drops the connection so a late answer is never read as another's.
   * Default 30 s.
   */
  timeoutMs?: number | undefined;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A transport only moves frames: one encoded request in, one encoded response out. The
 * client picks the codec from `encoding`. Failures are normalized KMS errors. The
 * transport enforces the per-try timeout itself: it owns the socket, so it is the one
 * that can give up on it cleanly, and a timer of its own costs less than an
 * AbortController per request.
 */
export interface KmipTransport {
  /** `json`: Cosmian JSON TTLV over HTTPS; `binary`: KMIP TTLV over TLS. */
  readonly encoding: 'json' | 'binary';
  /** Where it connects, for logs (never carries credentials). */
  readonly endpoint: string;
  roundTrip(frame: Uint8Array, options?: RoundTripOptions): Promise<Uint8Array>;
  close(): Promise<void>;
}

export function timeoutError(timeoutMs: number): KmsTimeout {
  return new KmsTimeout(`no answer from the KMS within ${timeoutMs} ms`);
}

/** The error a transport rejects with when `signal` aborts. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new KmsTimeout('KMIP request aborted');
}

const TLS_VERIFICATION_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A socket-level failure as a KMS error. Certificate verification failures are
 * configuration, not weather, so they are not retried (KmsProtocolError); every other
 * network error (refused, reset, closed mid-answer) is KmsUnavailable and retried.
 */
export function networkError(error: unknown, endpoint: string): KmsError {
  if (error instanceof KmsError) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  const text = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && TLS_VERIFICATION_CODES.has(code)) {
    return new KmsProtocolError(
      `TLS verification of ${endpoint} failed: ${text}`,
      { serverReason: code },
      { cause: error },
    );
  }
  return new KmsUnavailable(
    `KMS at ${endpoint} unreachable: ${text}`,
    {
      serverReason: typeof code === 'string' ? code : undefined,
    },
    { cause: error },
  );
}

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

/** TLS client settings both transports take (node:tls names and semantics). */
export interface TlsClientOptions {
  /** PEM CA certificate(s) of the server; like Node's `ca`, they replace the system store. */
  ca?: string | Buffer | (string | Buffer)[];
  /** PEM client certificate and key for mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  /** Default true. Turning it off is for throwaway test servers only. */
  rejectUnauthorized?: boolean;
  servername?: string;
}

/** The node:tls settings of `options`, verification on unless turned off. */
export function tlsSettings(options: TlsClientOptions): TlsClientOptions & { rejectUnauthorized: boolean } {
  return {
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    passphrase: options.passphrase,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    servername: options.servername,
  };
}

/**
 * Bounds one exchange by `timeoutMs` and the caller's `signal`: `giveUp` is called once,
 * with KmsTimeout or the signal's reason, unless the returned `stop` comes first. Both
 * transports bound their waits through this (the TLS pool's busy sockets use their own
 * inactivity timeout instead, which costs no timer per request).
 */
export function startDeadline(
  options: { signal?: AbortSignal | undefined; timeoutMs: number },
  giveUp: (reason: Error) => void,
): () => void {
  const { signal, timeoutMs } = options;
  let isStopped = false;
  const expire = (reason: Error) => {
    if (isStopped) return;
    stop();
    giveUp(reason);
  };
  const timer = setTimeout(() => expire(timeoutError(timeoutMs)), timeoutMs);
  const onAbort = () => expire(abortReason(signal as AbortSignal));
  signal?.addEventListener('abort', onAbort, { once: true });
  function stop() {
    isStopped = true;
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  return stop;
}

/** The per-try timeout of a round trip, or the reason to refuse it before sending anything. */
export function admitRoundTrip(options: RoundTripOptions): { timeoutMs: number; refusal: Error | undefined } {
  const { signal } = options;
  return {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    refusal: signal?.aborted ? abortReason(signal) : undefined,
  };
}

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

/**
 * Retry policy of the KMIP client: up to `maxAttempts` tries, waiting `backoffMs[i]`
 * (± `jitter`) between them, each try bounded by `timeoutMs`. Only errors whose class says
 * `isRetryable` are retried (KmsUnavailable: 5xx and network failures; KmsTimeout;
 * KmsRateLimited). Client errors (HTTP 4xx, KMIP Item_Not_Found, Permission_Denied,
 * Invalid_Field, ...) and anything that is not a KmsError fail at once.
 */
import { isKmsError } from './errors.js';

export interface RetryPolicy {
  /** Total tries, the first included. Default 3. */
  maxAttempts: number;
  /** Wait before try 2, 3, ...; the last value repeats. Default 1 s, 2 s, 3 s. */
  backoffMs: readonly number[];
  /** Fraction of each wait drawn at random either side (0.2 → ±20 %). Default 0.2. */
  jitter: number;
  /** Budget of one try, from send to the last byte of the answer. Default 30 s. */
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  backoffMs: [1000, 2000, 3000],
  jitter: 0.2,
  timeoutMs: 30_000,
};

export interface AttemptInfo {
  /** 1 for the first try. */
  attempt: number;
  /** The caller's cancellation, if any; passed through to the transport as is. */
  signal: AbortSignal | undefined;
  /** Budget of this try; the transport enforces it (`RoundTripOptions.timeoutMs`). */
  timeoutMs: number;
}

export interface RetryHooks {
  /** Cancels the whole call, waits included. */
  signal?: AbortSignal | undefined;
  /** Called before waiting for try `attempt + 1`. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export function isRetryable(error: unknown): boolean {
  return isKmsError(error) && error.isRetryable;
}

export function backoffDelay(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const base = policy.backoffMs[Math.min(failedAttempt - 1, policy.backoffMs.length - 1)] ?? 0;
  const spread = base * policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base + spread));
}

/**
 * Runs `run` under the policy. The per-try timeout is handed to the transport, which
 * owns the socket and is the one that can give up on it cleanly; no AbortController or
 * timer is made here, because on a busy client they were most of the retry layer's cost.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  run: (info: AttemptInfo) => Promise<T>,
  hooks: RetryHooks = {},
): Promise<T> {
  const { signal } = hooks;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run({ attempt, signal, timeoutMs: policy.timeoutMs });
    } catch (error) {
      if (attempt >= policy.maxAttempts || !isRetryable(error) || signal?.aborted) throw error;
      const delayMs = backoffDelay(policy, attempt);
      hooks.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Per-client request limits for the OCSP route: one token bucket per client address, held
 * for at most `maxClients` addresses (the least recently seen go first), so a flood of
 * spoofed or rotating addresses costs bounded memory. A limited client is answered with the
 * OCSP status tryLater by the route, which costs no signature and no database read.
 */
import { TokenBucket } from './ocsp-token-bucket.js';
import type { TokenBucketLimits } from './ocsp-token-bucket.js';

export interface OcspClientLimits extends TokenBucketLimits {
  /** Clients tracked at once. */
  maxClients: number;
}

/** A relying party asks once per certificate and caches: a few hundred a second is a proxy's worth. */
export const DEFAULT_OCSP_CLIENT_LIMITS: OcspClientLimits = { capacity: 500, refillPerSecond: 250, maxClients: 10_000 };

export class OcspClientLimiter {
  readonly #limits: OcspClientLimits;
  readonly #nowMs: () => number;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(limits: OcspClientLimits = DEFAULT_OCSP_CLIENT_LIMITS, nowMs: () => number = () => performance.now()) {
    this.#limits = limits;
    this.#nowMs = nowMs;
  }

  /** Whether the client may be answered now; counts the request against its budget. */
  tryAdmit(clientId: string): boolean {
    let bucket = this.#buckets.get(clientId);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#limits.maxClients) {
        const oldest = this.#buckets.keys().next();
        if (!oldest.done) this.#buckets.delete(oldest.value);
      }
      bucket = new TokenBucket(this.#limits, this.#nowMs);
    } else {
      // Re-inserted so the Map's order stays least recently seen first.
      this.#buckets.delete(clientId);
    }
    this.#buckets.set(clientId, bucket);
    return bucket.tryTake();
  }

  get trackedClients(): number {
    return this.#buckets.size;
  }
}

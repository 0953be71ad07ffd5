/**
 * A token bucket: `capacity` tokens, refilled continuously at `refillPerSecond`. The OCSP
 * responder spends one per fresh signature (its signing and nonce budgets), the OCSP route
 * one per request of a client (ocsp-client-limiter.ts). Refill is computed on demand from
 * the clock, so an idle bucket costs nothing and needs no timer.
 */
export interface TokenBucketLimits {
  /** The burst: how many tokens a full bucket holds. */
  capacity: number;
  refillPerSecond: number;
}

export class TokenBucket {
  readonly #limits: TokenBucketLimits;
  readonly #nowMs: () => number;
  #tokens: number;
  #updatedAtMs: number;

  constructor(limits: TokenBucketLimits, nowMs: () => number = () => performance.now()) {
    this.#limits = limits;
    this.#nowMs = nowMs;
    this.#tokens = limits.capacity;
    this.#updatedAtMs = nowMs();
  }

  /** Takes one token if there is one; false (and nothing taken) when the bucket is empty. */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Puts back a token taken for work that did not happen (e.g. a signature the key store refused). */
  giveBack(): void {
    this.#tokens = Math.min(this.#limits.capacity, this.#tokens + 1);
  }

  #refill(): void {
    const now = this.#nowMs();
    const elapsedSeconds = (now - this.#updatedAtMs) / 1000;
    if (elapsedSeconds <= 0) return;
    this.#tokens = Math.min(this.#limits.capacity, this.#tokens + elapsedSeconds * this.#limits.refillPerSecond);
    this.#updatedAtMs = now;
  }
}

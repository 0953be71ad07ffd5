/**
 * Sign-in rate limiting, per account and per client address, with growing delays instead
 * of a lock-out: after a few free failures each further one doubles the wait (capped), and a
 * key is forgotten an hour after its last failure. An attacker can slow an admin's sign-in
 * down for minutes, never lock it for good. In memory: a restart forgets it, which only
 * helps the legitimate user; the limits hold per process.
 */

interface Policy {
  freeFailures: number;
  maxDelaySeconds: number;
}

const ACCOUNT_POLICY: Policy = { freeFailures: 5, maxDelaySeconds: 15 * 60 };
/** Looser: many people may share one address (a NAT, a proxy). */
const ADDRESS_POLICY: Policy = { freeFailures: 20, maxDelaySeconds: 15 * 60 };
const FORGET_AFTER_MS = 60 * 60 * 1000;
/** Bounds memory under a spray of made-up usernames; the oldest entries go first. */
const MAX_ENTRIES = 10_000;

interface Failures {
  count: number;
  lastFailureAt: number;
}

class FailureTable {
  readonly #entries = new Map<string, Failures>();

  constructor(private readonly policy: Policy) {}

  retryAfterSeconds(key: string, now: number): number {
    const entry = this.#fresh(key, now);
    if (entry === undefined || entry.count < this.policy.freeFailures) return 0;
    const delaySeconds = Math.min(2 ** (entry.count - this.policy.freeFailures), this.policy.maxDelaySeconds);
    const waitMs = entry.lastFailureAt + delaySeconds * 1000 - now;
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
  }

  recordFailure(key: string, now: number): number {
    const count = (this.#fresh(key, now)?.count ?? 0) + 1;
    this.#entries.delete(key);
    this.#entries.set(key, { count, lastFailureAt: now });
    if (this.#entries.size > MAX_ENTRIES) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return count;
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }

  #fresh(key: string, now: number): Failures | undefined {
    const entry = this.#entries.get(key);
    if (entry !== undefined && now - entry.lastFailureAt >= FORGET_AFTER_MS) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

export class SignInLimiter {
  readonly #accounts = new FailureTable(ACCOUNT_POLICY);
  readonly #addresses = new FailureTable(ADDRESS_POLICY);

  constructor(private readonly now: () => Date) {}

  /** Seconds until this account may be tried from this address again; 0 when it may now. */
  retryAfterSeconds(username: string, clientAddress: string): number {
    const now = this.now().getTime();
    return Math.max(
      this.#accounts.retryAfterSeconds(accountKey(username), now),
      this.#addresses.retryAfterSeconds(clientAddress, now),
    );
  }

  /** Returns the account's failure count, for the audit row. */
  recordFailure(username: string, clientAddress: string): number {
    const now = this.now().getTime();
    this.#addresses.recordFailure(clientAddress, now);
    return this.#accounts.recordFailure(accountKey(username), now);
  }

  recordSuccess(username: string): void {
    this.#accounts.forget(accountKey(username));
  }
}

function accountKey(username: string): string {
  return username.trim().toLowerCase();
}

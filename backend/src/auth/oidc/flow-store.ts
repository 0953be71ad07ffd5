/**
 * The sign-in flows in progress, kept server-side between `/auth/oidc/start` and the
 * callback: the PKCE verifier and the nonce never leave the server, and the browser holds
 * only the `state` (in the provider's redirect) and a binding id (in a cookie), so a
 * callback URL sent to someone else's browser signs nobody in (login CSRF).
 *
 * A flow lives at most ten minutes and is taken once: a replayed `state` finds nothing.
 * Memory is bounded because anyone can start flows; past the cap the oldest are dropped,
 * which only costs those visitors a second click. A restart forgets the flows in progress,
 * the same cost.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface OidcFlow {
  state: string;
  nonce: string;
  pkceVerifier: string;
  /** Where to send the browser once signed in: a same-origin path. */
  returnTo: string;
  /** SHA-256 of the browser-binding cookie's value. */
  bindingHash: Buffer;
}

export const FLOW_LIFETIME_MS = 10 * 60 * 1000;
const DEFAULT_CAPACITY = 10_000;

export function hashBinding(binding: string): Buffer {
  return createHash('sha256').update(binding).digest();
}

export class OidcFlowStore {
  /** Insertion order is age order: the first entries are the oldest. */
  readonly #flows = new Map<string, { flow: OidcFlow; expiresAt: number }>();
  readonly #capacity: number;
  readonly #now: () => number;

  constructor(options: { capacity?: number; now?: () => number } = {}) {
    this.#capacity = options.capacity ?? DEFAULT_CAPACITY;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#flows.size;
  }

  put(flow: OidcFlow): void {
    this.#dropExpired();
    while (this.#flows.size >= this.#capacity) {
      const oldest = this.#flows.keys().next();
      if (oldest.done === true) break;
      this.#flows.delete(oldest.value);
    }
    this.#flows.set(flow.state, { flow, expiresAt: this.#now() + FLOW_LIFETIME_MS });
  }

  /**
   * The flow of `state`, removed whatever the outcome, so it can be tried once only; undefined
   * when unknown, used, expired, or started in another browser than `binding` names.
   */
  take(state: string, binding: string | undefined): OidcFlow | undefined {
    const entry = this.#flows.get(state);
    if (entry === undefined) return undefined;
    this.#flows.delete(state);
    if (entry.expiresAt <= this.#now()) return undefined;
    if (binding === undefined || !timingSafeEqual(hashBinding(binding), entry.flow.bindingHash)) return undefined;
    return entry.flow;
  }

  #dropExpired(): void {
    const now = this.#now();
    for (const [state, entry] of this.#flows) {
      if (entry.expiresAt > now) break;
      this.#flows.delete(state);
    }
  }
}

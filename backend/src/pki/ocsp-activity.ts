/**
 * OCSP's audit trail, aggregated: anonymous callers may ask thousands of times a second, so
 * instead of a row per request the responder counts its answers per CA and outcome, and one
 * `ocsp.responses` row per CA per window (default one minute) carries the counts, written
 * through `AuditLog.record` as `system:ocsp`. The signatures themselves keep their own
 * `kms.sign` rows (KMSService), which the signing budget bounds. A window with no request
 * writes nothing; `flush()` writes what is counted so far (app close).
 */
import type { Logger } from 'pino';

import type { AuditLog } from '../audit/audit-log.js';
import { systemContext } from '../request-context.js';
import { PKI_AUDIT_OPERATIONS } from './audit-operations.js';

export const OCSP_OUTCOMES = [
  /** A pre-signed response, no signature. */
  'cached',
  /** A fresh signature (cache fill or refresh). */
  'signed',
  /** A fresh signature carrying the request's nonce. */
  'nonceSigned',
  /** A nonce beyond the nonce budget: answered from cache without it (RFC 8954 §3). */
  'nonceOmitted',
  /** A still-valid cached response served because a fresh one could not be signed. */
  'staleServed',
  'tryLater',
  'unauthorized',
  'malformedRequest',
  'internalError',
  /** Refused by the per-client limit before any work. */
  'clientLimited',
] as const;
export type OcspOutcome = (typeof OCSP_OUTCOMES)[number];

/** Requests that name no CA of ours (malformed, foreign issuer, client limited) are counted here. */
const NO_CA = '-';

export interface OcspActivityOptions {
  audit: AuditLog;
  log: Logger;
  windowMs?: number;
  now?: () => Date;
}

export class OcspActivity {
  readonly #audit: AuditLog;
  readonly #log: Logger;
  readonly #windowMs: number;
  readonly #now: () => Date;
  #counts = new Map<string, Record<OcspOutcome, number>>();
  #windowStart: Date;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: OcspActivityOptions) {
    this.#audit = options.audit;
    this.#log = options.log;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#now = options.now ?? (() => new Date());
    this.#windowStart = this.#now();
  }

  count(caId: string | null, outcome: OcspOutcome): void {
    if (this.#counts.size === 0) this.#windowStart = this.#now();
    const key = caId ?? NO_CA;
    let counts = this.#counts.get(key);
    if (counts === undefined) {
      counts = Object.fromEntries(OCSP_OUTCOMES.map((name) => [name, 0])) as Record<OcspOutcome, number>;
      this.#counts.set(key, counts);
    }
    counts[outcome] += 1;
    this.#timer ??= this.#schedule();
  }

  /** Writes one row per CA with what was counted since the window began; resolves once committed. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const counts = this.#counts;
    const windowStart = this.#windowStart;
    this.#counts = new Map();
    this.#windowStart = this.#now();
    if (counts.size === 0) return;
    const windowEnd = this.#windowStart;
    const ctx = systemContext('ocsp', `ocsp-window-${windowStart.toISOString()}`);
    const writes = [...counts].map(([caId, perOutcome]) => {
      const nonZero = Object.fromEntries(Object.entries(perOutcome).filter(([, value]) => value > 0));
      const total = Object.values(perOutcome).reduce((sum, value) => sum + value, 0);
      return this.#audit.record(ctx, {
        operation: PKI_AUDIT_OPERATIONS.ocspResponses,
        entityType: 'certificate_authority',
        entityId: caId === NO_CA ? null : caId,
        status: 'success',
        details: {
          windowStart: windowStart.toISOString(),
          windowEnd: windowEnd.toISOString(),
          total,
          counts: nonZero,
        },
      });
    });
    const results = await Promise.allSettled(writes);
    for (const result of results) {
      if (result.status === 'rejected')
        this.#log.error({ err: result.reason }, 'could not write the OCSP activity row');
    }
  }

  /** Stops the window timer; the caller flushes first if it wants the last counts. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): NodeJS.Timeout {
    const timer = setTimeout(() => void this.flush(), this.#windowMs);
    timer.unref();
    return timer;
  }
}

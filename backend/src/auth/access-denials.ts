/**
 * Refused requests: each refusal of a signed-in actor or a real (revoked, expired) token is
 * one `auth.denied` audit row with the procedure and the reason. Anonymous refusals are only
 * counted, and written as one row per client address and minute, so a flood of anonymous
 * requests cannot become a flood of writes. `counts()` is what metrics read.
 */
import type { Logger } from 'pino';

import type { AuditLog } from '../audit/audit-log.js';
import type { RequestContext } from '../request-context.js';
import { ANONYMOUS_PRINCIPAL, requestContextOf } from '../request-context.js';

export type DenialKind = 'anonymous' | 'signedIn';

export interface DenialCounts {
  /** Refusals of callers with no valid credential (UNAUTHENTICATED). */
  anonymous: number;
  /** Refusals of signed-in actors and real tokens (FORBIDDEN, revoked or expired tokens…). */
  signedIn: number;
  /** By reason, e.g. `role`, `unauthenticated`, `token revoked`, `rate limited`. */
  byReason: Readonly<Record<string, number>>;
}

interface AnonymousWindow {
  minute: number;
  count: number;
  procedures: Set<string>;
}

/** Procedures named in one aggregated row, at most. */
const MAX_LISTED_PROCEDURES = 20;

export class AccessDenials {
  #anonymous = 0;
  #signedIn = 0;
  readonly #byReason = new Map<string, number>();
  readonly #windows = new Map<string, AnonymousWindow>();
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly deps: { audit: AuditLog; log: Logger; now: () => Date }) {
    // Writes out the last minute's windows even when no further refusal comes.
    this.#timer = setInterval(() => void this.flush(false), 60_000);
    this.#timer.unref();
  }

  counts(): DenialCounts {
    return { anonymous: this.#anonymous, signedIn: this.#signedIn, byReason: Object.fromEntries(this.#byReason) };
  }

  /** Counts a refusal that is not audited here (the edge's own, e.g. a throttled sign-in). */
  count(kind: DenialKind, reason: string): void {
    if (kind === 'anonymous') this.#anonymous += 1;
    else this.#signedIn += 1;
    this.#byReason.set(reason, (this.#byReason.get(reason) ?? 0) + 1);
  }

  /** One audit row now, under the refused actor. */
  async recordSignedIn(
    ctx: RequestContext,
    procedure: string,
    reason: string,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    this.count('signedIn', reason);
    await this.deps.audit.record(ctx, {
      operation: 'auth.denied',
      entityType: 'procedure',
      entityId: procedure,
      status: 'denied',
      details: { procedure, reason, ...details },
    });
  }

  /** Counted now; written with the others of its address and minute once the minute is over. */
  recordAnonymous(clientAddress: string, procedure: string, reason: string): void {
    this.count('anonymous', reason);
    const minute = Math.floor(this.deps.now().getTime() / 60_000);
    const window = this.#windows.get(clientAddress);
    if (window !== undefined && window.minute === minute) {
      window.count += 1;
      if (window.procedures.size < MAX_LISTED_PROCEDURES) window.procedures.add(procedure);
      return;
    }
    if (window !== undefined) void this.#write(clientAddress, window);
    this.#windows.set(clientAddress, { minute, count: 1, procedures: new Set([procedure]) });
  }

  /** Writes the windows of past minutes (all of them when `isClosing`). */
  async flush(isClosing: boolean): Promise<void> {
    const minute = Math.floor(this.deps.now().getTime() / 60_000);
    const writes: Promise<void>[] = [];
    for (const [address, window] of this.#windows) {
      if (isClosing || window.minute < minute) {
        this.#windows.delete(address);
        writes.push(this.#write(address, window));
      }
    }
    await Promise.all(writes);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush(true);
  }

  async #write(clientAddress: string, window: AnonymousWindow): Promise<void> {
    try {
      await this.deps.audit.record(requestContextOf(ANONYMOUS_PRINCIPAL, `denied-${clientAddress}-${window.minute}`), {
        operation: 'auth.denied',
        entityType: 'client',
        entityId: clientAddress,
        status: 'denied',
        details: {
          clientAddress,
          count: window.count,
          minuteStart: new Date(window.minute * 60_000).toISOString(),
          procedures: [...window.procedures],
          reason: 'unauthenticated',
        },
      });
    } catch (error) {
      this.deps.log.error({ err: error, clientAddress }, 'could not write the aggregated anonymous refusals');
    }
  }
}

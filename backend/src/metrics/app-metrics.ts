/**
 * The app's Prometheus metrics, counted from the audit log rather than at call sites: every
 * operation already leaves exactly one committed row (audit/audit-log.ts `onCommitted`), so
 * a metric cannot drift from the log, and no service learns about metrics.
 * - issuances and revocations: `certificate.issue` / `certificate.revoke` success rows;
 * - sign-ins: `auth.signIn` rows, success or not;
 * - key store latency: `kms.*` rows' `details.durationMs`, by operation, backend and status;
 * - errors by code: failure rows' `details.errorCode`, plus what the edge answers that
 *   wrote no failure row (`countAnsweredError`: refusals, invalid input, unknown ids).
 * The registry is the app's own (not prom-client's global one): each app built in a test
 * counts alone.
 */
import { Counter, Histogram, Registry } from 'prom-client';

import type { AuditRecord } from '../audit/chain.js';

/** Seconds: from an inline local signature (sub-millisecond) to a slow remote KMS. */
const KEY_STORE_LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Request ids whose failure was already counted from its audit row, so the edge does not
 * count it twice; bounded, since a failure row need not reach the edge (a scheduler's).
 */
const MAX_REMEMBERED_FAILURES = 1000;

export interface AppMetricsSources {
  /** Anonymous refusals counted by access control (which writes them one row per minute and address). */
  anonymousRefusals?: () => number;
}

export class AppMetrics {
  readonly registry = new Registry();
  readonly #issued: Counter<'profile' | 'source'>;
  readonly #revoked: Counter<'reason'>;
  readonly #signIns: Counter<'result'>;
  readonly #keyStoreLatency: Histogram<'operation' | 'backend' | 'status'>;
  readonly #errors: Counter<'code'>;
  readonly #rowedFailures = new Set<string>();

  constructor(sources: AppMetricsSources = {}) {
    const registers = [this.registry];
    this.#issued = new Counter({
      name: 'pki_certificates_issued_total',
      help: 'Certificates issued, by profile and key source (csr or server-key).',
      labelNames: ['profile', 'source'],
      registers,
    });
    this.#revoked = new Counter({
      name: 'pki_certificates_revoked_total',
      help: 'Certificates revoked, by RFC 5280 reason.',
      labelNames: ['reason'],
      registers,
    });
    this.#signIns = new Counter({
      name: 'pki_sign_ins_total',
      help: 'Sign-in attempts, by result (success or failure).',
      labelNames: ['result'],
      registers,
    });
    this.#keyStoreLatency = new Histogram({
      name: 'pki_key_store_operation_duration_seconds',
      help: 'Duration of key store operations as recorded in their audit rows.',
      labelNames: ['operation', 'backend', 'status'],
      buckets: KEY_STORE_LATENCY_BUCKETS,
      registers,
    });
    this.#errors = new Counter({
      name: 'pki_errors_total',
      help: 'Failed and refused requests and operations, by stable error code.',
      labelNames: ['code'],
      registers,
    });
    const { anonymousRefusals } = sources;
    if (anonymousRefusals !== undefined) {
      new Counter({
        name: 'pki_anonymous_refusals_total',
        help: 'Requests refused for want of a valid credential.',
        registers,
        collect() {
          // The count lives in access control; this counter only reports it.
          this.reset();
          this.inc(anonymousRefusals());
        },
      });
    }
  }

  /** The audit log's committed-rows listener. */
  readonly onCommittedRows = (rows: readonly AuditRecord[]): void => {
    for (const row of rows) this.#countRow(row);
  };

  /**
   * The error edge: counts a refusal or failure answered to a client, unless its audit row
   * already counted it.
   */
  countAnsweredError(requestId: string, code: string): void {
    if (this.#rowedFailures.delete(requestId)) return;
    this.#errors.inc({ code });
  }

  /** The Prometheus text exposition. */
  async scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #countRow(row: AuditRecord): void {
    const isSuccess = row.status === 'success';
    const isCounted =
      row.operation.startsWith('kms.') ||
      row.operation === 'auth.signIn' ||
      row.status === 'failure' ||
      (isSuccess && (row.operation === 'certificate.issue' || row.operation === 'certificate.revoke'));
    if (!isCounted) return;
    const details = parseDetails(row);
    if (isSuccess && row.operation === 'certificate.issue') {
      this.#issued.inc({ profile: text(details.profile), source: text(details.source) });
    } else if (isSuccess && row.operation === 'certificate.revoke') {
      this.#revoked.inc({ reason: text(details.reason) });
    } else if (row.operation === 'auth.signIn') {
      this.#signIns.inc({ result: isSuccess ? 'success' : 'failure' });
    }
    if (row.operation.startsWith('kms.') && typeof details.durationMs === 'number') {
      this.#keyStoreLatency.observe(
        { operation: row.operation, backend: text(details.backend), status: row.status },
        details.durationMs / 1000,
      );
    }
    // Denied rows are counted where the refusal is answered (the edge knows its code, and an
    // aggregated row of anonymous refusals was counted one by one as they came).
    if (row.status === 'failure') this.#countFailure(row, details);
  }

  #countFailure(row: AuditRecord, details: Record<string, unknown>): void {
    this.#errors.inc({ code: typeof details.errorCode === 'string' ? details.errorCode : 'INTERNAL' });
    if (row.requestId === null) return;
    this.#rowedFailures.add(row.requestId);
    if (this.#rowedFailures.size > MAX_REMEMBERED_FAILURES) {
      const oldest = this.#rowedFailures.values().next().value;
      if (oldest !== undefined) this.#rowedFailures.delete(oldest);
    }
  }
}

function parseDetails(row: AuditRecord): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(row.detailsJson);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : 'unknown';
}

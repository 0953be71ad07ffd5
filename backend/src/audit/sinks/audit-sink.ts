/**
 * Audit sinks: every committed row is also written, in `seq` order, to each configured
 * destination outside the application (a file, a syslog receiver), as Vault's audit
 * devices do. The database stays the source of truth: a sink delivers what the log holds
 * after the last row it delivered, reading it back a page at a time, so a sink that is down
 * for an hour catches up from where it stopped, memory stays flat, and no commit ever waits
 * for a sink. `PKI_AUDIT_SINKS=file:/path/audit.ndjson,syslog:tcp://127.0.0.1:514`.
 */
import type { StoredAuditRow } from '../audit-export.js';

/** One destination. `deliver` resolves once the rows are handed over (and, for a file, on disk). */
export interface AuditSinkTransport {
  /** e.g. `file:/var/log/pki/audit.ndjson`, `syslog:tcp://127.0.0.1:514`; never carries secrets. */
  readonly name: string;
  /** The last `seq` this destination already holds, when it can tell (a file can); else undefined. */
  lastDeliveredSeq(): Promise<number | undefined>;
  deliver(rows: readonly StoredAuditRow[]): Promise<void>;
  close(): Promise<void>;
}

export interface AuditSinkStatus {
  name: string;
  isHealthy: boolean;
  deliveredThroughSeq: number;
  /** Why the last delivery failed, while it is failing. */
  lastError?: string;
  failingSince?: string;
}

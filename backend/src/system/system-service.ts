/**
 * What the dashboard badge, `system.status`, `/readyz` and `pki status` report: version,
 * uptime and the truthful health of the database (its disk included) and the key store.
 */
import { KMS_BACKEND_LABELS } from '@pki/shared';
import type { ComponentHealth, KmsBackend, SystemStatus } from '@pki/shared';

import type { AuditSinkStatus } from '../audit/sinks/audit-sink.js';

import type { Mode } from '../config.js';
import { checkDatabase } from '../db/client.js';
import type { DatabaseHandle } from '../db/client.js';
import { APP_VERSION } from '../version.js';
import { describeFullDisk, diskSpaceOf } from './disk-space.js';

/** The part of KMSService this needs. */
export interface KmsHealthProbe {
  health(): Promise<{ isHealthy: boolean; detail?: string | undefined }>;
}

/** A health probe that hangs must not hang /readyz. */
const HEALTH_TIMEOUT_MS = 5_000;

export class SystemService {
  private readonly startedAt = Date.now();

  constructor(
    private readonly options: {
      mode: Mode;
      backend: KmsBackend;
      database: DatabaseHandle;
      kms: KmsHealthProbe;
      /** PKI_AUDIT_SINKS' delivery state; none configured: an empty list. */
      auditSinks?: () => AuditSinkStatus[];
    },
  ) {}

  async status(): Promise<SystemStatus> {
    const database = this.databaseHealth();
    const probeStartedAt = performance.now();
    // The probe's round trip, shown beside the key store's state on the dashboard.
    const kmsHealth = { ...(await this.kmsHealth()), latencyMs: Math.round(performance.now() - probeStartedAt) };
    return {
      version: APP_VERSION,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      mode: this.options.mode,
      kms: { backend: this.options.backend, label: KMS_BACKEND_LABELS[this.options.backend], health: kmsHealth },
      database,
      auditSinks: this.auditSinks(),
    };
  }

  auditSinks(): AuditSinkStatus[] {
    return this.options.auditSinks?.() ?? [];
  }

  /** Down when it cannot be queried, and when its disk is full: reads would work, every write would fail. */
  databaseHealth(): ComponentHealth {
    const result = checkDatabase(this.options.database);
    if (!result.isHealthy) return { state: 'down', detail: result.detail ?? 'database unavailable' };
    try {
      const space = diskSpaceOf(this.options.database.sqlite.name);
      return space?.isFull ? { state: 'down', detail: describeFullDisk(space) } : { state: 'up' };
    } catch (error) {
      return {
        state: 'down',
        detail: `cannot read the free space of the database's disk: ${(error as Error).message}`,
      };
    }
  }

  async kmsHealth(): Promise<ComponentHealth> {
    const probe = this.options.kms;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS / 1000} s`)),
          HEALTH_TIMEOUT_MS,
        );
      });
      const result = await Promise.race([probe.health(), timeout]);
      return result.isHealthy ? { state: 'up' } : { state: 'down', detail: result.detail ?? 'key store unhealthy' };
    } catch (error) {
      return { state: 'down', detail: `key store health check failed: ${(error as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }
}

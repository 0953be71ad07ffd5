/**
 * The dashboard's aggregate counts, each one indexed query: certificates by status
 * (certificates_status_idx, certificates_status_issued_idx), by notAfter range (certificates_not_after_idx), CAs by status
 * and keys by state (kms_keys_state_idx). Nothing is loaded row by row.
 */
import { and, eq, gte, lt, sql } from 'drizzle-orm';

import type { CaStatus, CertificateStatus, KeyState } from '@pki/shared';

import type { DatabaseHandle } from './client.js';
import { certificateAuthorities, certificates, kmsKeys } from './schema.js';

export interface StateCount<State extends string> {
  state: State;
  count: number;
}

export class DashboardRepository {
  readonly #database: DatabaseHandle;

  constructor(database: DatabaseHandle) {
    this.#database = database;
  }

  /** Stored statuses: an expired certificate is still stored as active. */
  countCertificatesByStatus(): StateCount<CertificateStatus>[] {
    return this.#database.db
      .select({ state: certificates.status, count: sql<number>`count(*)` })
      .from(certificates)
      .groupBy(certificates.status)
      .all();
  }

  /** Active certificates with from <= notAfter < to. */
  countActiveExpiringBetween(from: Date, to: Date): number {
    const row = this.#database.db
      .select({ count: sql<number>`count(*)` })
      .from(certificates)
      .where(and(eq(certificates.status, 'active'), gte(certificates.notAfter, from), lt(certificates.notAfter, to)))
      .get();
    return row?.count ?? 0;
  }

  /**
   * Active certificates expiring in [from, from + bucketMs × n), counted per bucket index
   * (0-based); empty buckets are absent.
   */
  countActiveExpiringPerBucket(from: Date, to: Date, bucketMs: number): { bucket: number; count: number }[] {
    const start = from.getTime();
    return this.#database.db
      .select({
        // Bound numbers arrive as REAL, so the division is cast back to a whole bucket index.
        bucket: sql<number>`cast((${certificates.notAfter} - ${start}) / ${bucketMs} as integer)`.as('bucket'),
        count: sql<number>`count(*)`,
      })
      .from(certificates)
      .where(and(eq(certificates.status, 'active'), gte(certificates.notAfter, from), lt(certificates.notAfter, to)))
      .groupBy(sql`bucket`)
      .all();
  }

  countCasByStatus(): StateCount<CaStatus>[] {
    return this.#database.db
      .select({ state: certificateAuthorities.status, count: sql<number>`count(*)` })
      .from(certificateAuthorities)
      .groupBy(certificateAuthorities.status)
      .all();
  }

  countKeysByState(): StateCount<KeyState>[] {
    return this.#database.db
      .select({ state: kmsKeys.state, count: sql<number>`count(*)` })
      .from(kmsKeys)
      .groupBy(kmsKeys.state)
      .all();
  }
}

/**
 * `system.dashboard`: the counts of the console's first page in one answer, so the page
 * makes one request instead of listing certificates, CAs and keys to count them.
 */
import {
  CA_STATUSES,
  DASHBOARD_BUCKET_DAYS,
  DASHBOARD_EXPIRING_SOON_DAYS,
  DASHBOARD_EXPIRY_HORIZON_DAYS,
  KEY_STATES,
} from '@pki/shared';
import type { DashboardSummary, ExpiryBucket } from '@pki/shared';

import type { DashboardRepository, StateCount } from '../db/dashboard-repository.js';

const DAY_MS = 86_400_000;
const EPOCH = new Date(0);

/** Every state in the enum's order, zero where the database has none. */
function everyState<State extends string>(states: readonly State[], counts: StateCount<State>[]) {
  return states.map((state) => ({ state, count: counts.find((row) => row.state === state)?.count ?? 0 }));
}

export class DashboardService {
  readonly #repository: DashboardRepository;
  readonly #now: () => Date;

  constructor(options: { repository: DashboardRepository; now?: (() => Date) | undefined }) {
    this.#repository = options.repository;
    this.#now = options.now ?? (() => new Date());
  }

  summary(): DashboardSummary {
    const now = this.#now();
    const repository = this.#repository;
    const stored = repository.countCertificatesByStatus();
    const storedCount = (status: string) => stored.find((row) => row.state === status)?.count ?? 0;
    // Expiry is not a stored transition: an active row past its notAfter counts as expired.
    const activeButExpired = repository.countActiveExpiringBetween(EPOCH, now);
    const soon = new Date(now.getTime() + DASHBOARD_EXPIRING_SOON_DAYS * DAY_MS);
    return {
      asOf: now.toISOString(),
      certificates: {
        active: storedCount('active') - activeButExpired,
        expiringSoon: repository.countActiveExpiringBetween(now, soon),
        revoked: storedCount('revoked'),
        expired: storedCount('expired') + activeButExpired,
      },
      cas: everyState(CA_STATUSES, repository.countCasByStatus()),
      keys: everyState(KEY_STATES, repository.countKeysByState()),
      expiryHistogram: this.#expiryHistogram(now),
    };
  }

  #expiryHistogram(now: Date): ExpiryBucket[] {
    const bucketMs = DASHBOARD_BUCKET_DAYS * DAY_MS;
    const horizon = new Date(now.getTime() + DASHBOARD_EXPIRY_HORIZON_DAYS * DAY_MS);
    const counts = this.#repository.countActiveExpiringPerBucket(now, horizon, bucketMs);
    const bucketCount = Math.ceil(DASHBOARD_EXPIRY_HORIZON_DAYS / DASHBOARD_BUCKET_DAYS);
    return Array.from({ length: bucketCount }, (_, index) => {
      const start = now.getTime() + index * bucketMs;
      // The last bucket ends at the horizon, so the chart covers exactly 90 days.
      const end = Math.min(start + bucketMs, horizon.getTime());
      const count = counts.find((row) => row.bucket === index)?.count ?? 0;
      return { start: new Date(start).toISOString(), end: new Date(end).toISOString(), count };
    });
  }
}

/**
 * What the console's dashboard shows in one answer (`system.dashboard`): certificate counts,
 * CAs and keys by state, and how many certificates expire in each bucket of the next 90 days.
 */
import { z } from 'zod';

import { CA_STATUSES, KEY_STATES } from './enums.js';

/** The horizon of the expiry chart, and of "expiring soon" on the counters. */
export const DASHBOARD_EXPIRY_HORIZON_DAYS = 90;
export const DASHBOARD_EXPIRING_SOON_DAYS = 30;
/** One bar per week: 13 bars read better at 390 px than 90 daily ones. */
export const DASHBOARD_BUCKET_DAYS = 7;

export const ExpiryBucketSchema = z.object({
  /** ISO 8601 instants: the bucket holds certificates with start <= notAfter < end. */
  start: z.string(),
  end: z.string(),
  count: z.number().int().nonnegative(),
});
export type ExpiryBucket = z.infer<typeof ExpiryBucketSchema>;

export const DashboardSummarySchema = z.object({
  /** When the counts were taken (ISO 8601); "expiring" and the buckets start here. */
  asOf: z.string(),
  certificates: z.object({
    /** Active and not past notAfter. */
    active: z.number().int().nonnegative(),
    /** Active and expiring within DASHBOARD_EXPIRING_SOON_DAYS. */
    expiringSoon: z.number().int().nonnegative(),
    revoked: z.number().int().nonnegative(),
    expired: z.number().int().nonnegative(),
  }),
  cas: z.array(z.object({ state: z.enum(CA_STATUSES), count: z.number().int().nonnegative() })),
  keys: z.array(z.object({ state: z.enum(KEY_STATES), count: z.number().int().nonnegative() })),
  expiryHistogram: z.array(ExpiryBucketSchema),
});
export type DashboardSummary = z.infer<typeof DashboardSummarySchema>;

export const CaRevocationImpactSchema = z.object({
  caId: z.string(),
  /** Active, unexpired certificates issued by the CA or any CA below it, the sub-CAs' own included. */
  liveCertificates: z.number().int().nonnegative(),
  /** CAs below it (any depth) that are not revoked yet. */
  subordinateCas: z.number().int().nonnegative(),
});
export type CaRevocationImpact = z.infer<typeof CaRevocationImpactSchema>;

/** The inventory's address for the certificates of one chart bar (console-b's inventory reads these names). */
import type { ExpiryBucket } from '@pki/shared';

export function inventoryUrlForBucket(bucket: Pick<ExpiryBucket, 'start' | 'end'>): string {
  const query = new URLSearchParams({ expiresAfter: bucket.start, expiresBefore: bucket.end });
  return `/certificates?${query.toString()}`;
}

const DAY_FORMAT = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** "Dec 2 – Dec 9": the bar's label; the end is exclusive, so the last day shown is the day before. */
export function bucketLabel(bucket: Pick<ExpiryBucket, 'start' | 'end'>): string {
  const lastDay = new Date(new Date(bucket.end).getTime() - 1);
  return `${DAY_FORMAT.format(new Date(bucket.start))} – ${DAY_FORMAT.format(lastDay)}`;
}

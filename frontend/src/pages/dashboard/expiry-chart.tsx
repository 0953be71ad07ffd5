/**
 * Certificates expiring in each week of the next 90 days. A bar opens the inventory filtered
 * to its window; the same links are listed below the chart for keyboard and screen readers.
 */
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Link, useNavigate } from 'react-router';

import type { ExpiryBucket } from '@pki/shared';

import { bucketLabel, inventoryUrlForBucket } from './expiry-window.js';

export function ExpiryChart({ buckets }: { buckets: readonly ExpiryBucket[] }) {
  const navigate = useNavigate();
  const data = buckets.map((bucket) => ({ ...bucket, label: bucketLabel(bucket) }));
  const total = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  return (
    <div className="flex flex-col gap-3">
      <div className="h-64 w-full text-ink" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          {/* Out of the tab order: the links below are the chart for keyboards and screen readers. */}
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" vertical={false} />
            <XAxis
              dataKey="label"
              tick={{ fill: 'var(--color-text-muted)', fontSize: 11 }}
              interval="preserveStartEnd"
            />
            <YAxis allowDecimals={false} tick={{ fill: 'var(--color-text-muted)', fontSize: 11 }} width={32} />
            <Tooltip
              cursor={{ fill: 'var(--color-accent-soft)' }}
              contentStyle={{ background: 'var(--color-surface)', border: '1px solid var(--color-border)' }}
            />
            <Bar
              dataKey="count"
              name="Certificates expiring"
              fill="var(--color-accent)"
              cursor="pointer"
              onClick={(entry: { payload?: ExpiryBucket }) => {
                if (entry.payload !== undefined) void navigate(inventoryUrlForBucket(entry.payload));
              }}
            />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <details>
        <summary className="cursor-pointer text-sm text-ink-muted">
          {total === 0
            ? 'No certificate expires in the next 90 days.'
            : `${total} expiring in the next 90 days, by week`}
        </summary>
        <ul className="m-0 mt-2 grid list-none grid-cols-1 gap-1 p-0 text-sm sm:grid-cols-2">
          {buckets.map((bucket) => (
            <li key={bucket.start}>
              <Link to={inventoryUrlForBucket(bucket)}>
                {bucketLabel(bucket)}: {bucket.count}
              </Link>
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}

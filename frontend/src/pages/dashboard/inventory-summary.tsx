/** The certificate counters and the CA and key states, from one `system.dashboard` answer. */
import { Link } from 'react-router';

import type { DashboardSummary } from '@pki/shared';

import { StateBadge } from '../../components/badge.js';
import { inventoryUrlForBucket } from './expiry-window.js';

const DAY_MS = 86_400_000;

function Counter({ label, value, to }: { label: string; value: number; to: string }) {
  return (
    <div className="card">
      <dt>{label}</dt>
      <dd>
        <Link to={to} className="card-value">
          {value}
        </Link>
      </dd>
    </div>
  );
}

export function CertificateCounters({ summary }: { summary: DashboardSummary }) {
  const asOf = new Date(summary.asOf);
  const soon = inventoryUrlForBucket({
    start: asOf.toISOString(),
    end: new Date(asOf.getTime() + 30 * DAY_MS).toISOString(),
  });
  return (
    <dl className="card-grid" aria-label="Certificates">
      <Counter label="Active certificates" value={summary.certificates.active} to="/certificates?status=active" />
      <Counter label="Expiring within 30 days" value={summary.certificates.expiringSoon} to={soon} />
      <Counter label="Revoked" value={summary.certificates.revoked} to="/certificates?status=revoked" />
    </dl>
  );
}

export function StateCounts({
  title,
  counts,
  to,
}: {
  title: string;
  counts: readonly { state: string; count: number }[];
  to?: string | undefined;
}) {
  return (
    <section className="card" aria-label={title}>
      <h2>{to === undefined ? title : <Link to={to}>{title}</Link>}</h2>
      <ul className="m-0 flex list-none flex-wrap gap-3 p-0">
        {counts.map(({ state, count }) => (
          <li key={state} className="flex items-center gap-2">
            <StateBadge state={state} />
            <span className="font-semibold">{count}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';

import { useSignedInUser } from '../auth/session.js';
import { Button } from '../components/button.js';
import { ApiErrorNotice } from '../components/error-notice.js';
import { PageHeader } from '../components/page-header.js';
import { Skeleton, SkeletonBlock } from '../components/skeleton.js';
import { useTRPC } from '../trpc.js';
import { CertificateCounters, StateCounts } from './dashboard/inventory-summary.js';
import { KeyStoreBanner, KeyStoreCard } from './dashboard/key-store-health.js';
import { PendingApprovals } from './dashboard/pending-approvals.js';
import { RecentAuditEvents } from './dashboard/recent-audit-events.js';

// Recharts is most of the page's weight: the counters show first, the chart follows.
const ExpiryChart = lazy(async () => ({ default: (await import('./dashboard/expiry-chart.js')).ExpiryChart }));

export function DashboardPage() {
  const trpc = useTRPC();
  const { role } = useSignedInUser();
  const summary = useQuery(trpc.system.dashboard.queryOptions());

  return (
    <>
      <PageHeader title="Dashboard" lead="What this PKI holds, what expires soon, and the state of the key store." />
      <KeyStoreBanner />
      {summary.isPending ? (
        <SkeletonBlock label="Loading the dashboard…" lines={5} />
      ) : summary.isError ? (
        <ApiErrorNotice
          title="The dashboard could not be loaded"
          error={summary.error}
          action={
            <Button variant="secondary" onPress={() => void summary.refetch()}>
              Try again
            </Button>
          }
        />
      ) : (
        <div className="flex flex-col gap-4">
          <CertificateCounters summary={summary.data} />
          <section className="card" aria-labelledby="expiry-chart-heading">
            <h2 id="expiry-chart-heading">Expiring in the next 90 days</h2>
            <Suspense fallback={<Skeleton className="h-64 w-full" />}>
              <ExpiryChart buckets={summary.data.expiryHistogram} />
            </Suspense>
          </section>
          <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
            <StateCounts title="Certificate authorities" counts={summary.data.cas} to="/certificate-authorities" />
            <StateCounts title="Keys" counts={summary.data.keys} to={role === 'admin' ? '/keys' : undefined} />
          </div>
        </div>
      )}
      <div className="mt-4 grid grid-cols-1 gap-4 md:grid-cols-2">
        <KeyStoreCard />
        {role === 'admin' ? (
          <section className="card" aria-labelledby="pending-approvals-heading">
            <h2 id="pending-approvals-heading">Pending approvals</h2>
            <PendingApprovals />
          </section>
        ) : null}
        {role === 'admin' || role === 'auditor' ? (
          <section className="card md:col-span-2" aria-labelledby="recent-audit-heading">
            <h2 id="recent-audit-heading">Recent audit events</h2>
            <RecentAuditEvents />
          </section>
        ) : null}
      </div>
    </>
  );
}

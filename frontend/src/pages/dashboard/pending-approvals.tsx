import { useQuery } from '@tanstack/react-query';

import { EmptyState } from '../../components/empty-state.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { SkeletonBlock } from '../../components/skeleton.js';
import { useTRPC } from '../../trpc.js';

const TIME_FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });

export function PendingApprovals() {
  const trpc = useTRPC();
  const approvals = useQuery(trpc.approvals.list.queryOptions({ status: 'pending' }));
  if (approvals.isPending) return <SkeletonBlock label="Loading pending approvals…" lines={2} />;
  if (approvals.isError)
    return <ApiErrorNotice title="Pending approvals could not be loaded" error={approvals.error} />;
  if (approvals.data.length === 0) {
    return <EmptyState title="Nothing awaits approval">Requests made under dual control appear here.</EmptyState>;
  }
  return (
    <ul className="m-0 flex list-none flex-col gap-2 p-0">
      {approvals.data.map((approval) => (
        <li key={approval.id} className="flex flex-wrap items-baseline gap-x-3 text-sm">
          <code>{approval.operation}</code>
          <span className="text-ink-muted">
            by {approval.requestedBy}, expires {TIME_FORMAT.format(new Date(approval.expiresAt))}
          </span>
        </li>
      ))}
    </ul>
  );
}

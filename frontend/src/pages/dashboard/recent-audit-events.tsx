import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';

import { StateBadge } from '../../components/badge.js';
import { EmptyState } from '../../components/empty-state.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { SkeletonBlock } from '../../components/skeleton.js';
import { useTRPC } from '../../trpc.js';

const TIME_FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

export function RecentAuditEvents() {
  const trpc = useTRPC();
  const events = useQuery(trpc.audit.list.queryOptions({ limit: 10 }));
  if (events.isPending) return <SkeletonBlock label="Loading recent audit events…" lines={4} />;
  if (events.isError) return <ApiErrorNotice title="Recent audit events could not be loaded" error={events.error} />;
  if (events.data.items.length === 0) return <EmptyState title="No audit events yet" />;
  return (
    <>
      <ul className="m-0 flex list-none flex-col gap-2 p-0">
        {events.data.items.map((event) => (
          <li key={event.seq} className="flex flex-wrap items-baseline gap-x-3 gap-y-1 text-sm">
            <time dateTime={event.timestamp} className="text-ink-muted">
              {TIME_FORMAT.format(new Date(event.timestamp))}
            </time>
            <code>{event.operation}</code>
            <span className="min-w-0 break-all text-ink-muted">{event.actor}</span>
            <StateBadge state={event.status} />
          </li>
        ))}
      </ul>
      <p className="mb-0">
        <Link to="/audit-log">Open the audit log</Link>
      </p>
    </>
  );
}

/**
 * Approvals (admins): the requests dual control holds, with their exact parameters, and the
 * decision — approve (runs the stored request as you) or reject, each with a comment. Your
 * own requests are shown but not offered for decision: another admin must decide.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';

import { APPROVAL_STATUSES, type ApprovalStatus } from '@pki/shared';

import { useSignedInUser } from '../auth/session.js';
import { type RouterOutputs, useTRPC, useTRPCClient } from '../trpc.js';
import { describeOperation, isOwnRequest, parameterRows } from './approvals/approval-view.js';
import { DecideApprovalDialog, type Decision } from './approvals/decide-approval-dialog.js';
import { useState } from 'react';
import { Button } from '../components/button.js';
import { formatInstant } from '../app/format-instant.js';
import { ChoiceInput } from '../components/form-fields.js';
import { EmptyState } from '../components/empty-state.js';
import { PageHeader } from '../components/page-header.js';
import { ListView } from '../components/list-view.js';
import { StateBadge } from '../components/badge.js';

type Approval = RouterOutputs['approvals']['list'][number];
type StatusFilter = ApprovalStatus | 'all';

const STATUS_FILTERS = [
  ...APPROVAL_STATUSES.map((status) => ({ id: status, label: status })),
  { id: 'all' as const, label: 'all' },
];

function isStatusFilter(value: string | null): value is StatusFilter {
  return value === 'all' || (APPROVAL_STATUSES as readonly string[]).includes(value ?? '');
}

export function ApprovalsPage() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const { username } = useSignedInUser();
  const [searchParams, setSearchParams] = useSearchParams();
  const requested = searchParams.get('status');
  const status: StatusFilter = isStatusFilter(requested) ? requested : 'pending';
  const [deciding, setDeciding] = useState<{ decision: Decision; approval: Approval } | undefined>();
  const approvals = useQuery(trpc.approvals.list.queryOptions(status === 'all' ? {} : { status }));

  function refresh() {
    // An approval runs its operation: keys, CAs and settings may all have changed.
    void queryClient.invalidateQueries();
  }

  return (
    <>
      <PageHeader
        title="Approvals"
        lead="Requests held by dual control. Each runs only when an admin other than its requester approves it."
      />
      <div className="mb-3 max-w-xs">
        <ChoiceInput
          label="Status"
          choices={STATUS_FILTERS}
          value={status}
          onChange={(next) => setSearchParams(next === 'pending' ? {} : { status: next })}
        />
      </div>
      <ListView
        query={approvals}
        noun="approvals"
        empty={
          <EmptyState title={status === 'pending' ? 'Nothing waits for approval' : `No ${status} requests`}>
            {status === 'pending'
              ? 'With dual control on (Users → Settings), destroying a key or revoking a CA appears here for a second admin.'
              : 'Choose another status to see other requests.'}
          </EmptyState>
        }
      >
        {(data) => (
          <ul className="m-0 flex list-none flex-col gap-3 p-0" aria-label="Approval requests">
            {data.map((approval) => {
              const isOwn = isOwnRequest(approval.requestedBy, username);
              const headingId = `approval-${approval.id}`;
              return (
                <li key={approval.id} className="card" aria-labelledby={headingId}>
                  <div className="flex flex-wrap items-center justify-between gap-2">
                    <h2 id={headingId} className="m-0 text-base">
                      {describeOperation(approval.operation)}
                    </h2>
                    <StateBadge state={approval.status} />
                  </div>
                  <dl className="m-0 mt-2 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
                    <dt className="text-ink-muted">Operation</dt>
                    <dd className="m-0">
                      <code>{approval.operation}</code>
                    </dd>
                    {parameterRows(approval.input).map(([name, value]) => (
                      <div key={name} className="contents">
                        <dt className="text-ink-muted">{name}</dt>
                        <dd className="m-0 break-all">
                          <code>{value}</code>
                        </dd>
                      </div>
                    ))}
                    <dt className="text-ink-muted">Requested</dt>
                    <dd className="m-0">
                      {approval.requestedBy}, {formatInstant(approval.requestedAt)}
                    </dd>
                    <dt className="text-ink-muted">{approval.status === 'pending' ? 'Expires' : 'Expired at'}</dt>
                    <dd className="m-0">{formatInstant(approval.expiresAt)}</dd>
                    {approval.decidedBy === null ? null : (
                      <>
                        <dt className="text-ink-muted">Decided</dt>
                        <dd className="m-0">
                          {approval.decidedBy}, {formatInstant(approval.decidedAt)}
                        </dd>
                      </>
                    )}
                    {approval.comment === null ? null : (
                      <>
                        <dt className="text-ink-muted">Comment</dt>
                        <dd className="m-0">{approval.comment}</dd>
                      </>
                    )}
                    {approval.errorCode === null ? null : (
                      <>
                        <dt className="text-ink-muted">Failed with</dt>
                        <dd className="m-0">
                          <code>{approval.errorCode}</code>
                        </dd>
                      </>
                    )}
                  </dl>
                  {approval.status !== 'pending' ? null : isOwn ? (
                    <p className="m-0 mt-2 text-sm text-ink-muted">
                      You requested this: another admin must approve or reject it.
                    </p>
                  ) : (
                    <div className="mt-3 flex flex-wrap gap-2">
                      <Button variant="primary" onPress={() => setDeciding({ decision: 'approve', approval })}>
                        Approve
                      </Button>
                      <Button variant="secondary" onPress={() => setDeciding({ decision: 'reject', approval })}>
                        Reject
                      </Button>
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </ListView>
      {deciding === undefined ? null : (
        <DecideApprovalDialog
          decision={deciding.decision}
          approvalId={deciding.approval.id}
          operation={deciding.approval.operation}
          onDecide={async (input) => {
            try {
              return await (deciding.decision === 'approve'
                ? client.approvals.approve.mutate(input)
                : client.approvals.reject.mutate(input));
            } finally {
              refresh();
            }
          }}
          onClose={() => setDeciding(undefined)}
        />
      )}
    </>
  );
}

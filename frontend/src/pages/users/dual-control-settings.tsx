/**
 * Dual control on or off. Turning it on takes effect at once; turning it off is itself held
 * for a second admin. Once two admins exist the console suggests turning it on.
 */
import { useQuery } from '@tanstack/react-query';

import { ActionButton } from '../../features/admin-kit/action-button.js';
import { ServerErrorNotice, TableSkeleton } from '../../features/admin-kit/query-state.js';
import { useGuardedSubmit } from '../../features/admin-kit/use-guarded-submit.js';
import { useTRPC, useTRPCClient } from '../../trpc.js';
import { ApprovalPendingNotice } from '../../features/admin-kit/approval-pending-notice.js';
import { useQueryClient } from '@tanstack/react-query';

export function DualControlSettings() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const settings = useQuery(trpc.settings.get.queryOptions());
  const { state, submit } = useGuardedSubmit(() => void queryClient.invalidateQueries());

  return (
    <section className="card mb-6" aria-labelledby="dual-control-heading">
      <h2 id="dual-control-heading">Dual control</h2>
      {settings.isPending ? (
        <TableSkeleton label="Loading settings" rows={1} />
      ) : settings.isError ? (
        <ServerErrorNotice title="The settings could not be read" error={settings.error} />
      ) : (
        <>
          <p>
            Dual control is <strong>{settings.data.isDualControlEnabled ? 'on' : 'off'}</strong>.{' '}
            {settings.data.isDualControlEnabled
              ? 'Destroying a key, forcing a key revocation and revoking a CA wait for a second admin’s approval; turning it off does too.'
              : 'One admin alone can destroy keys and revoke CAs.'}
          </p>
          {!settings.data.isDualControlEnabled && settings.data.enabledAdminCount >= 2 ? (
            <p className="text-warn" role="note">
              There are {settings.data.enabledAdminCount} admins: turn dual control on, so no single admin account can
              destroy a key or revoke a CA alone.
            </p>
          ) : null}
          {!settings.data.isDualControlEnabled && settings.data.enabledAdminCount < 2 ? (
            <p className="text-ink-muted">Dual control needs a second enabled admin to approve requests.</p>
          ) : null}
          <ActionButton
            tone={settings.data.isDualControlEnabled ? 'secondary' : 'primary'}
            isDisabled={state.phase === 'running'}
            onPress={() =>
              void submit(() =>
                client.settings.setDualControl.mutate({ isEnabled: !settings.data.isDualControlEnabled }),
              )
            }
          >
            {settings.data.isDualControlEnabled ? 'Turn dual control off' : 'Turn dual control on'}
          </ActionButton>
          {state.phase === 'failed' ? (
            <ServerErrorNotice title="Dual control was not changed" error={state.error} />
          ) : null}
          {state.phase === 'awaiting-approval' ? <ApprovalPendingNotice message={state.message} /> : null}
        </>
      )}
    </section>
  );
}

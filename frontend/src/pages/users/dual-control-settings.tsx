/**
 * Dual control on or off. Turning it on takes effect at once; turning it off is itself held
 * for a second admin. Once two admins exist the console suggests turning it on.
 */
import { useQuery } from '@tanstack/react-query';

import { useTRPC, useTRPCClient } from '../../trpc.js';
import { useQueryClient } from '@tanstack/react-query';
import { Button } from '../../components/button.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { SkeletonBlock } from '../../components/skeleton.js';
import { useGuardedSubmit } from '../../components/use-guarded-submit.js';
import { ApprovalPendingNotice } from '../../components/approval-pending-notice.js';

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
        <SkeletonBlock label="Loading settings" lines={1} />
      ) : settings.isError ? (
        <ApiErrorNotice title="The settings could not be read" error={settings.error} />
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
          <Button
            variant={settings.data.isDualControlEnabled ? 'secondary' : 'primary'}
            isDisabled={state.phase === 'running'}
            onPress={() =>
              void submit(() =>
                client.settings.setDualControl.mutate({ isEnabled: !settings.data.isDualControlEnabled }),
              )
            }
          >
            {settings.data.isDualControlEnabled ? 'Turn dual control off' : 'Turn dual control on'}
          </Button>
          {state.phase === 'failed' ? (
            <ApiErrorNotice title="Dual control was not changed" error={state.error} />
          ) : null}
          {state.phase === 'awaiting-approval' ? <ApprovalPendingNotice message={state.message} /> : null}
        </>
      )}
    </section>
  );
}

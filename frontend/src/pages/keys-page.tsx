/**
 * Keys (admins): every key the key store holds for us, with what depends on it, and the two
 * irreversible actions — revoke with a reason, destroy with the label typed back — each
 * stating first what stops working. Under dual control a request waits for a second admin.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import { KEY_STATES, type KeyState, type KeySummary } from '@pki/shared';

import { canTake } from '../app/navigation.js';
import { useSignedInUser } from '../auth/session.js';
import { useTRPC, useTRPCClient } from '../trpc.js';
import { DestroyKeyDialog } from './keys/destroy-key-dialog.js';
import type { KeyDependents } from './keys/key-impact.js';
import { PENDING_LABELS, pendingKeyRequests } from './keys/pending-key-requests.js';
import { RevokeKeyDialog } from './keys/revoke-key-dialog.js';
import { Button } from '../components/button.js';
import { formatInstant } from '../app/format-instant.js';
import { ChoiceInput } from '../components/form-fields.js';
import { EmptyState } from '../components/empty-state.js';
import { PageHeader } from '../components/page-header.js';
import { ListView } from '../components/list-view.js';
import { StateBadge } from '../components/badge.js';
import { DataCell, DataTable } from '../components/data-table.js';

type StateFilter = KeyState | 'all';
const STATE_FILTERS = [
  { id: 'all' as const, label: 'All states' },
  ...KEY_STATES.map((state) => ({ id: state, label: state })),
];

const KEY_COLUMNS = ['Label', 'State', 'Purpose', 'Algorithm', 'Backend', 'Used by', 'Created', 'Actions'];

interface OpenAction {
  kind: 'revoke' | 'destroy';
  key: KeySummary;
}

export function KeysPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { role } = useSignedInUser();
  const [stateFilter, setStateFilter] = useState<StateFilter>('all');
  const [action, setAction] = useState<OpenAction | undefined>();
  const isManager = canTake(role, 'revokeOrDestroyKey');

  const keys = useQuery(trpc.keys.list.queryOptions(stateFilter === 'all' ? {} : { state: stateFilter }));
  const cas = useQuery(trpc.cas.list.queryOptions());
  const settings = useQuery(trpc.settings.get.queryOptions());
  const approvals = useQuery(trpc.approvals.list.queryOptions({ status: 'pending' }, { enabled: isManager }));
  const dependents = useQuery(
    trpc.keys.dependents.queryOptions({ keyId: action?.key.id ?? '' }, { enabled: action !== undefined }),
  );

  const pending = pendingKeyRequests(approvals.data ?? []);
  const caNamesByKey = new Map<string, string[]>();
  for (const ca of cas.data ?? []) caNamesByKey.set(ca.keyId, [...(caNamesByKey.get(ca.keyId) ?? []), ca.name]);
  const isDualControlEnabled = settings.data?.isDualControlEnabled ?? false;

  function refresh() {
    void queryClient.invalidateQueries({ queryKey: trpc.keys.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.approvals.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.cas.pathKey() });
  }

  return (
    <>
      <PageHeader
        title="Keys"
        lead="Key pairs held by the key store. PKI Manager holds only references to them; the private keys never leave the key store."
      />
      {isDualControlEnabled ? (
        <p className="m-0 mb-3 text-sm text-ink-muted" role="note">
          Dual control is on: destroying a key, or forcing a revocation, waits for a second admin&apos;s approval.
        </p>
      ) : null}
      <div className="mb-3 max-w-xs">
        <ChoiceInput label="State" choices={STATE_FILTERS} value={stateFilter} onChange={setStateFilter} />
      </div>
      <ListView
        query={keys}
        noun="keys"
        empty={
          <EmptyState title={stateFilter === 'all' ? 'No keys yet' : `No ${stateFilter} keys`}>
            {stateFilter === 'all'
              ? 'Keys appear here when a CA is created or a certificate is issued with a key generated in the key store.'
              : 'Choose "All states" to see every key.'}
          </EmptyState>
        }
      >
        {(data) => (
          // Rows read the pending approvals and CA names too: re-render them when those change.
          <DataTable
            label="Keys"
            columns={KEY_COLUMNS}
            items={data}
            dependencies={[approvals.data, cas.data, isManager]}
          >
            {(key) => {
              const requests = pending.get(key.id) ?? [];
              const usedBy = caNamesByKey.get(key.id);
              const isDestroyed = key.state === 'destroyed';
              const isRevocable = key.state === 'active' || key.state === 'pre-active';
              return (
                <>
                  <DataCell className="font-semibold">{key.label}</DataCell>
                  <DataCell>
                    <div className="flex flex-col items-start gap-1">
                      <StateBadge state={key.state} />
                      {requests.map((operation) => (
                        <StateBadge key={operation} state="pending" label={PENDING_LABELS[operation]} />
                      ))}
                      {key.revocationReason === null ? null : (
                        <span className="text-xs text-ink-muted">reason: {key.revocationReason}</span>
                      )}
                    </div>
                  </DataCell>
                  <DataCell>{key.purpose}</DataCell>
                  <DataCell>{key.algorithm}</DataCell>
                  <DataCell>{key.backend}</DataCell>
                  <DataCell>
                    {usedBy === undefined ? <span className="text-ink-muted">no CA</span> : `CA ${usedBy.join(', ')}`}
                  </DataCell>
                  <DataCell>{formatInstant(key.createdAt)}</DataCell>
                  <DataCell>
                    {isManager && !isDestroyed ? (
                      <div className="flex flex-wrap gap-1">
                        {isRevocable ? (
                          <Button
                            variant="secondary"
                            aria-label={`Revoke key ${key.label}`}
                            onPress={() => setAction({ kind: 'revoke', key })}
                          >
                            Revoke
                          </Button>
                        ) : null}
                        {/* The key store destroys only a revoked key: revoke first. */}
                        {isRevocable ? null : (
                          <Button
                            variant="danger"
                            aria-label={`Destroy key ${key.label}`}
                            isDisabled={requests.includes('keys.destroy')}
                            onPress={() => setAction({ kind: 'destroy', key })}
                          >
                            Destroy
                          </Button>
                        )}
                      </div>
                    ) : (
                      <span className="text-ink-muted">—</span>
                    )}
                  </DataCell>
                </>
              );
            }}
          </DataTable>
        )}
      </ListView>
      {action === undefined ? null : (
        <KeyActionDialog
          key={`${action.kind}-${action.key.id}`}
          kind={action.kind}
          keyId={action.key.id}
          keyLabel={action.key.label}
          dependents={dependents.data}
          dependentsError={dependents.error}
          isDualControlEnabled={isDualControlEnabled}
          onClose={() => setAction(undefined)}
          onSettled={refresh}
        />
      )}
    </>
  );
}

/** The open action's dialog; both run through the typed client so dual control's answer reaches the dialog. */
function KeyActionDialog({
  kind,
  onClose,
  ...common
}: {
  kind: OpenAction['kind'];
  keyId: string;
  keyLabel: string;
  dependents: KeyDependents | undefined;
  dependentsError: unknown;
  isDualControlEnabled: boolean;
  onClose: () => void;
  onSettled: () => void;
}) {
  const client = useTRPCClient();
  const onOpenChange = (isOpen: boolean) => (isOpen ? undefined : onClose());
  return kind === 'destroy' ? (
    <DestroyKeyDialog
      {...common}
      isOpen
      onOpenChange={onOpenChange}
      onDestroy={(input) => client.keys.destroy.mutate(input)}
    />
  ) : (
    <RevokeKeyDialog
      {...common}
      isOpen
      onOpenChange={onOpenChange}
      onRevoke={(input) => client.keys.revoke.mutate(input)}
    />
  );
}

/**
 * Revoking a CA, with what it invalidates shown first. Under dual control the server stores
 * the request as an approval instead of revoking; that answer is shown as pending, not as a failure.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import type { CaSummary, RevocationReason } from '@pki/shared';

import { ConfirmDialog } from '../../components/dialog.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { Skeleton } from '../../components/skeleton.js';
import { toast } from '../../components/toast.js';
import { useTRPC, useTRPCClient } from '../../trpc.js';
import { CA_REVOCATION_REASONS } from './ca-labels.js';
import { FieldShell } from './field.js';

interface ErrorWithAppCode {
  data?: { appCode?: string | undefined } | null | undefined;
}

export function isApprovalRequired(error: unknown): boolean {
  return (error as ErrorWithAppCode | null)?.data?.appCode === 'APPROVAL_REQUIRED';
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function RevokeCaDialog({
  ca,
  isOpen,
  onOpenChange,
}: {
  ca: CaSummary;
  isOpen: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState<RevocationReason>('cessationOfOperation');
  const impact = useQuery({ ...trpc.cas.revocationImpact.queryOptions({ caId: ca.id }), enabled: isOpen });
  const revoke = useMutation({
    mutationFn: () => client.cas.revoke.mutate({ caId: ca.id, reason }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: trpc.cas.pathKey() });
      toast({ title: `CA ${ca.name} revoked`, description: 'Its CRL and those below it are re-signed.' });
      onOpenChange(false);
    },
    onError: (error) => {
      if (!isApprovalRequired(error)) return;
      toast({
        title: 'Revocation awaits approval',
        description: 'Dual control is on: another admin must approve it.',
        tone: 'info',
      });
      onOpenChange(false);
    },
  });

  return (
    <ConfirmDialog
      title={`Revoke ${ca.name}`}
      isOpen={isOpen}
      onOpenChange={(open) => {
        revoke.reset();
        onOpenChange(open);
      }}
      confirmLabel="Revoke CA"
      onConfirm={() => revoke.mutate()}
      isPending={revoke.isPending}
      typedConfirmation={ca.name}
      error={
        revoke.error === null || isApprovalRequired(revoke.error) ? null : (
          <ApiErrorNotice title="The CA was not revoked" error={revoke.error} />
        )
      }
    >
      <div className="flex flex-col gap-3">
        {impact.isPending ? (
          <Skeleton className="h-5 w-3/4" />
        ) : impact.isError ? (
          <ApiErrorNotice title="What it invalidates could not be counted" error={impact.error} />
        ) : (
          <p className="m-0 font-semibold" data-testid="revocation-impact">
            This invalidates {plural(impact.data.liveCertificates, 'certificate', 'certificates')} issued below it
            {impact.data.subordinateCas > 0
              ? ` and revokes ${plural(impact.data.subordinateCas, 'sub-CA', 'sub-CAs')} with it`
              : ''}
            . This cannot be undone.
          </p>
        )}
        <FieldShell id="revoke-ca-reason" label="Reason">
          {(control) => (
            <select {...control} value={reason} onChange={(event) => setReason(event.target.value as RevocationReason)}>
              {CA_REVOCATION_REASONS.map((option) => (
                <option key={option.id} value={option.id}>
                  {option.label}
                </option>
              ))}
            </select>
          )}
        </FieldShell>
      </div>
    </ConfirmDialog>
  );
}

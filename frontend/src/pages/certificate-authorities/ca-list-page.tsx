import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { canTake } from '../../app/navigation.js';
import { useSignedInUser } from '../../auth/session.js';
import { Button } from '../../components/button.js';
import { EmptyState } from '../../components/empty-state.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { PageHeader } from '../../components/page-header.js';
import { SkeletonBlock } from '../../components/skeleton.js';
import { useTRPC } from '../../trpc.js';
import { CaTreeView } from './ca-tree-view.js';
import { CreateCaDialog } from './create-ca-dialog.js';
import { SubordinateCsrDialog } from './subordinate-csr-dialog.js';

export function CertificateAuthoritiesPage() {
  const trpc = useTRPC();
  const { role } = useSignedInUser();
  const cas = useQuery(trpc.cas.list.queryOptions());
  const [isCreateOpen, setCreateOpen] = useState(false);
  const [isCsrOpen, setCsrOpen] = useState(false);
  const canManage = canTake(role, 'manageCertificateAuthorities');
  const parents = (cas.data ?? []).filter((ca) => ca.status === 'active');

  return (
    <>
      <PageHeader
        title="Certificate authorities"
        lead="Root and intermediate CAs whose private keys stay in the key store."
        actions={
          canManage ? (
            <>
              <Button onPress={() => setCreateOpen(true)}>Create CA</Button>
              <Button variant="secondary" onPress={() => setCsrOpen(true)}>
                Sub-CA for an external root
              </Button>
            </>
          ) : undefined
        }
      />
      {cas.isPending ? (
        <SkeletonBlock label="Loading certificate authorities…" lines={4} />
      ) : cas.isError ? (
        <ApiErrorNotice
          title="The CAs could not be loaded"
          error={cas.error}
          action={
            <Button variant="secondary" onPress={() => void cas.refetch()}>
              Try again
            </Button>
          }
        />
      ) : cas.data.length === 0 ? (
        <EmptyState
          title="No certificate authority yet"
          action={canManage ? <Button onPress={() => setCreateOpen(true)}>Create a root CA</Button> : undefined}
        >
          {canManage
            ? 'Start with a root CA, then an intermediate below it that issues certificates.'
            : 'An admin creates the first root CA; certificates are issued below it.'}
        </EmptyState>
      ) : (
        <CaTreeView cas={cas.data} />
      )}
      {canManage ? (
        <>
          <CreateCaDialog isOpen={isCreateOpen} onOpenChange={setCreateOpen} parents={parents} />
          <SubordinateCsrDialog isOpen={isCsrOpen} onOpenChange={setCsrOpen} />
        </>
      ) : null}
    </>
  );
}

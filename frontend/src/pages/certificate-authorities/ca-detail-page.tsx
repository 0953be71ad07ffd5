import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';

import { canTake } from '../../app/navigation.js';
import { useSignedInUser } from '../../auth/session.js';
import { Button } from '../../components/button.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { PageHeader } from '../../components/page-header.js';
import { SkeletonBlock } from '../../components/skeleton.js';
import { useTRPC } from '../../trpc.js';
import { CaDescriptionView } from './ca-description-view.js';
import { ImportCertificateForm } from './import-certificate-form.js';
import { RevokeCaDialog } from './revoke-ca-dialog.js';

export function CertificateAuthorityDetailPage() {
  const { caId = '' } = useParams();
  const trpc = useTRPC();
  const { role } = useSignedInUser();
  const described = useQuery(trpc.cas.describe.queryOptions({ caId }));
  const list = useQuery(trpc.cas.list.queryOptions());
  const [isRevokeOpen, setRevokeOpen] = useState(false);
  const canManage = canTake(role, 'manageCertificateAuthorities');

  if (described.isPending) return <SkeletonBlock label="Loading the CA…" lines={6} />;
  if (described.isError) {
    return (
      <>
        <PageHeader title="Certificate authority" />
        <ApiErrorNotice title="The CA could not be loaded" error={described.error} />
        <p>
          <Link to="/certificate-authorities">Back to the hierarchy</Link>
        </p>
      </>
    );
  }
  const { ca } = described.data;
  const parent = list.data?.find((candidate) => candidate.id === ca.parentId);
  return (
    <>
      <PageHeader
        title={ca.name}
        lead={
          <>
            <Link to="/certificate-authorities">Certificate authorities</Link> ·{' '}
            {ca.isRoot ? 'Root CA' : ca.status === 'pending' ? 'Sub-CA awaiting its certificate' : 'Intermediate CA'}
          </>
        }
        actions={
          canManage && ca.status === 'active' ? (
            <Button variant="danger" onPress={() => setRevokeOpen(true)}>
              Revoke CA…
            </Button>
          ) : undefined
        }
      />
      {ca.status === 'pending' && canManage ? (
        <section className="card mb-6" aria-labelledby="ca-import-heading">
          <h2 id="ca-import-heading">Import the signed certificate</h2>
          <ImportCertificateForm ca={ca} />
        </section>
      ) : null}
      <CaDescriptionView description={described.data} parent={parent} />
      {canManage ? <RevokeCaDialog ca={ca} isOpen={isRevokeOpen} onOpenChange={setRevokeOpen} /> : null}
    </>
  );
}

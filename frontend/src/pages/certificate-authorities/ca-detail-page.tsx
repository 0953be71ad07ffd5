import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';

import type { CaSummary } from '@pki/shared';

import { canTake } from '../../app/navigation.js';
import { useSignedInUser } from '../../auth/session.js';
import { StateBadge } from '../../components/badge.js';
import { Button } from '../../components/button.js';
import { DefinitionList } from '../../components/definition-list.js';
import { DownloadButton } from '../../components/download-button.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { PageHeader } from '../../components/page-header.js';
import { SkeletonBlock } from '../../components/skeleton.js';
import { useTRPC } from '../../trpc.js';
import { fetchCaFingerprint } from './ca-fingerprint.js';
import { describeAlgorithm } from './ca-labels.js';
import { ImportCertificateForm } from './import-certificate-form.js';
import { RevokeCaDialog } from './revoke-ca-dialog.js';

const DATE_FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const when = (iso: string | null) => (iso === null ? '—' : DATE_FORMAT.format(new Date(iso)));

function publicUrl(path: string): string {
  return new URL(path, window.location.origin).toString();
}

function Fingerprint({ caId }: { caId: string }) {
  const fingerprint = useQuery({
    queryKey: ['ca-fingerprint', caId],
    queryFn: () => fetchCaFingerprint(caId),
    staleTime: Infinity,
  });
  if (fingerprint.isPending) return <span className="text-ink-muted">computing…</span>;
  if (fingerprint.isError) return <span className="text-danger">not available: {fingerprint.error.message}</span>;
  return <code className="break-all text-sm">{fingerprint.data}</code>;
}

function CaDetails({ ca, parent }: { ca: CaSummary; parent: CaSummary | undefined }) {
  const isIssued = ca.status !== 'pending';
  const crlPath = `/crl/${encodeURIComponent(ca.id)}.crl`;
  return (
    <div className="flex flex-col gap-6">
      <section className="card" aria-labelledby="ca-certificate-heading">
        <h2 id="ca-certificate-heading">Certificate</h2>
        <DefinitionList
          items={[
            { term: 'Subject', description: <code className="break-all">{ca.subjectDn}</code> },
            {
              term: 'Issuer',
              description: ca.isRoot ? (
                'Self-signed (root)'
              ) : parent !== undefined ? (
                <Link to={`/certificate-authorities/${encodeURIComponent(parent.id)}`}>{parent.name}</Link>
              ) : (
                'External root'
              ),
            },
            { term: 'Status', description: <StateBadge state={ca.status} /> },
            { term: 'Serial', description: <code className="break-all">{ca.serialHex ?? '—'}</code> },
            { term: 'Valid from', description: when(ca.notBefore) },
            { term: 'Valid until', description: when(ca.notAfter) },
            { term: 'Key algorithm', description: describeAlgorithm(ca.keyAlgorithm) },
            {
              term: 'Basic constraints',
              description: `CA${ca.pathLength === null ? ', no path length limit' : `, path length ${ca.pathLength}`}`,
            },
            { term: 'Key', description: <code className="break-all">{ca.keyId}</code> },
            ...(isIssued ? [{ term: 'SHA-256 fingerprint', description: <Fingerprint caId={ca.id} /> }] : []),
            ...(ca.revokedAt === null
              ? []
              : [{ term: 'Revoked', description: `${when(ca.revokedAt)} (${ca.revocationReason ?? 'unspecified'})` }]),
          ]}
        />
        {isIssued ? (
          <div className="mt-3 flex flex-wrap gap-2">
            <DownloadButton filename={`${ca.name}.pem`} source={`/ca/${encodeURIComponent(ca.id)}.pem`}>
              Download certificate
            </DownloadButton>
          </div>
        ) : null}
      </section>
      {isIssued ? (
        <section className="card" aria-labelledby="ca-revocation-heading">
          <h2 id="ca-revocation-heading">Revocation information</h2>
          <DefinitionList
            items={[
              { term: 'CRL', description: <code className="break-all">{publicUrl(crlPath)}</code> },
              { term: 'CRL number', description: String(ca.crlNumber) },
              { term: 'OCSP', description: <code className="break-all">{publicUrl('/ocsp')}</code> },
            ]}
          />
          <div className="mt-3">
            <DownloadButton filename={`${ca.name}.crl`} source={crlPath}>
              Download CRL
            </DownloadButton>
          </div>
        </section>
      ) : null}
    </div>
  );
}

export function CertificateAuthorityDetailPage() {
  const { caId = '' } = useParams();
  const trpc = useTRPC();
  const { role } = useSignedInUser();
  const ca = useQuery(trpc.cas.get.queryOptions({ caId }));
  const list = useQuery(trpc.cas.list.queryOptions());
  const [isRevokeOpen, setRevokeOpen] = useState(false);
  const canManage = canTake(role, 'manageCertificateAuthorities');

  if (ca.isPending) return <SkeletonBlock label="Loading the CA…" lines={6} />;
  if (ca.isError) {
    return (
      <>
        <PageHeader title="Certificate authority" />
        <ApiErrorNotice title="The CA could not be loaded" error={ca.error} />
        <p>
          <Link to="/certificate-authorities">Back to the hierarchy</Link>
        </p>
      </>
    );
  }
  const parent = list.data?.find((candidate) => candidate.id === ca.data.parentId);
  return (
    <>
      <PageHeader
        title={ca.data.name}
        lead={
          <>
            <Link to="/certificate-authorities">Certificate authorities</Link> ·{' '}
            {ca.data.isRoot
              ? 'Root CA'
              : ca.data.status === 'pending'
                ? 'Sub-CA awaiting its certificate'
                : 'Intermediate CA'}
          </>
        }
        actions={
          canManage && ca.data.status === 'active' ? (
            <Button variant="danger" onPress={() => setRevokeOpen(true)}>
              Revoke CA…
            </Button>
          ) : undefined
        }
      />
      {ca.data.status === 'pending' && canManage ? (
        <section className="card mb-6" aria-labelledby="ca-import-heading">
          <h2 id="ca-import-heading">Import the signed certificate</h2>
          <ImportCertificateForm ca={ca.data} />
        </section>
      ) : null}
      <CaDetails ca={ca.data} parent={parent} />
      {canManage ? <RevokeCaDialog ca={ca.data} isOpen={isRevokeOpen} onOpenChange={setRevokeOpen} /> : null}
    </>
  );
}

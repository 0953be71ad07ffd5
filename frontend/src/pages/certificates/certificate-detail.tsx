/**
 * One certificate: names, validity, public key, every extension decoded, fingerprints and
 * chain (certificates.describe, decoded on the server), revocation state, downloads, key
 * custody, and revoke with a reason behind a confirmation.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';

import { REVOCATION_REASONS } from '@pki/shared';
import type { ExportFormat, RevocationReason } from '@pki/shared';

import { canTake } from '../../app/navigation.js';
import { useSignedInUser } from '../../auth/session.js';
import { StateBadge } from '../../components/badge.js';
import { Button } from '../../components/button.js';
import { DefinitionList } from '../../components/definition-list.js';
import { ConfirmDialog } from '../../components/dialog.js';
import { DownloadButton } from '../../components/download-button.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { ExtensionList } from '../../components/extension-list.js';
import { PageHeader } from '../../components/page-header.js';
import { SkeletonBlock } from '../../components/skeleton.js';
import { useTRPC, useTRPCClient } from '../../trpc.js';
import { KeyCustodyPanel } from './key-custody-panel.js';
import { exportedFileBlob } from './exported-file.js';

const DOWNLOADS: [ExportFormat, string][] = [
  ['pem', 'PEM'],
  ['der', 'DER'],
  ['chain', 'Full chain'],
  ['pkcs7', 'PKCS#7'],
];

export function CertificateDetail() {
  const { id = '' } = useParams();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const user = useSignedInUser();
  const described = useQuery(trpc.certificates.describe.queryOptions({ id }));
  const [isRevokeOpen, setRevokeOpen] = useState(false);
  const [reason, setReason] = useState<RevocationReason>('superseded');
  const revoke = useMutation(
    trpc.certificates.revoke.mutationOptions({
      onSuccess: async () => {
        setRevokeOpen(false);
        await queryClient.invalidateQueries({ queryKey: trpc.certificates.describe.queryKey({ id }) });
        await queryClient.invalidateQueries({ queryKey: trpc.certificates.list.pathKey() });
      },
    }),
  );

  if (described.isPending) return <SkeletonBlock label="Loading the certificate…" lines={8} />;
  if (described.isError) return <ApiErrorNotice title="The certificate could not be loaded" error={described.error} />;
  const { certificate, extensions, fingerprints, publicKey, chain } = described.data;
  const canRevoke = canTake(user.role, 'revokeCertificate') && certificate.status === 'active';

  return (
    <div className="space-y-6">
      <PageHeader
        title={certificate.commonName ?? certificate.subjectDn}
        lead={<Link to="/certificates">Back to the inventory</Link>}
        actions={
          canRevoke ? (
            <Button variant="danger" onPress={() => setRevokeOpen(true)}>
              Revoke
            </Button>
          ) : undefined
        }
      />
      <section aria-labelledby="certificate-state" className="space-y-2">
        <h2 id="certificate-state" className="text-lg font-semibold text-ink">
          State
        </h2>
        <p data-testid="certificate-status">
          <StateBadge state={certificate.status} />
          {certificate.revokedAt && (
            <span className="ml-2 text-sm text-ink-muted">
              revoked {certificate.revokedAt} ({certificate.revocationReason})
            </span>
          )}
        </p>
      </section>
      <DefinitionList
        items={[
          { term: 'Subject', description: certificate.subjectDn },
          { term: 'Issuer', description: described.data.issuerDn },
          { term: 'SANs', description: certificate.sans.join(', ') || 'none' },
          { term: 'Serial', description: <code>{certificate.serialHex}</code> },
          { term: 'Valid', description: `${certificate.notBefore} – ${certificate.notAfter}` },
          { term: 'Profile', description: certificate.profile },
          {
            term: 'Public key',
            description: `${publicKey.type.toUpperCase()} ${publicKey.size ?? ''}${publicKey.curve ? ` (${publicKey.curve})` : ''}`,
          },
          { term: 'Signature', description: described.data.signatureAlgorithm },
          { term: 'SHA-256', description: <code className="break-all">{fingerprints.sha256}</code> },
          { term: 'SHA-1', description: <code className="break-all">{fingerprints.sha1}</code> },
        ]}
      />
      <section aria-labelledby="certificate-extensions">
        <h2 id="certificate-extensions" className="mb-2 text-lg font-semibold text-ink">
          Extensions
        </h2>
        <ExtensionList extensions={extensions} />
      </section>
      <section aria-labelledby="certificate-chain">
        <h2 id="certificate-chain" className="mb-2 text-lg font-semibold text-ink">
          Chain
        </h2>
        <ol className="list-decimal pl-6 text-sm text-ink">
          {chain.map((link) => (
            <li key={`${link.subjectDn}-${link.notAfter}`}>
              {link.subjectDn} <span className="text-ink-muted">(until {link.notAfter.slice(0, 10)})</span>
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="certificate-downloads" className="space-y-2">
        <h2 id="certificate-downloads" className="text-lg font-semibold text-ink">
          Downloads
        </h2>
        <div className="flex flex-wrap gap-2">
          {DOWNLOADS.map(([format, label]) => (
            <DownloadButton
              key={format}
              filename={`${certificate.serialHex}.${format === 'der' ? 'cer' : format === 'pkcs7' ? 'p7b' : 'pem'}`}
              source={async () => exportedFileBlob(await client.certificates.export.mutate({ id, format }))}
            >
              {label}
            </DownloadButton>
          ))}
        </div>
      </section>
      {canTake(user.role, 'viewKeyCustody') ? (
        <KeyCustodyPanel caId={certificate.caId} serialHex={certificate.serialHex} />
      ) : null}
      <ConfirmDialog
        title="Revoke this certificate?"
        isOpen={isRevokeOpen}
        onOpenChange={setRevokeOpen}
        confirmLabel="Revoke certificate"
        onConfirm={() => revoke.mutate({ id, reason })}
        isPending={revoke.isPending}
        error={
          revoke.isError ? <ApiErrorNotice title="The certificate was not revoked" error={revoke.error} /> : undefined
        }
      >
        <p>
          Clients that check the CRL or OCSP will refuse {certificate.commonName ?? certificate.subjectDn} from now on.
          This cannot be undone.
        </p>
        <label htmlFor="revoke-reason" className="mt-3 block text-sm font-medium text-ink">
          Reason
        </label>
        <select
          id="revoke-reason"
          value={reason}
          onChange={(event) => setReason(event.target.value as RevocationReason)}
          className="rounded border border-line bg-panel px-2 py-1 text-ink"
        >
          {REVOCATION_REASONS.filter((value) => value !== 'removeFromCRL').map((value) => (
            <option key={value} value={value}>
              {value}
            </option>
          ))}
        </select>
      </ConfirmDialog>
    </div>
  );
}

/**
 * Key custody evidence for a certificate (`certificates.custody`): the issuing CA's key as the
 * key store reports it now, the audit row of the signature over this certificate and the signed
 * checkpoint that covers it. Shown to the roles that may read the audit log.
 */
import { useQuery } from '@tanstack/react-query';

import type { CertificateCustody, KeyStoreReport } from '@pki/shared';

import { ApiErrorNotice } from '../../components/error-notice.js';
import { DefinitionList } from '../../components/definition-list.js';
import { SkeletonBlock } from '../../components/skeleton.js';
import { useTRPC } from '../../trpc.js';

export interface KeyCustodyPanelProps {
  caId: string;
  serialHex: string;
}

function yesNo(value: boolean | null): string {
  return value === null ? 'not reported by the key store' : value ? 'yes' : 'no';
}

function keyStoreLines(report: KeyStoreReport | null) {
  if (report === null) return [{ term: 'Key store', description: 'the key is destroyed: nothing to ask' }];
  return [
    { term: 'State in the key store', description: report.state },
    { term: 'Sensitive', description: yesNo(report.isSensitive) },
    { term: 'Never extractable', description: yesNo(report.isNeverExtractable) },
    { term: 'Extractable', description: yesNo(report.isExtractable) },
  ];
}

function rowLine(row: CertificateCustody['signature']): string {
  return row === null ? 'not found' : `row ${row.seq} at ${row.timestamp} by ${row.actor}`;
}

export function KeyCustodyPanel({ caId, serialHex }: KeyCustodyPanelProps) {
  const trpc = useTRPC();
  const custody = useQuery(trpc.certificates.custody.queryOptions({ caId, serialHex }));
  return (
    <section aria-labelledby="key-custody" className="space-y-3 rounded border border-line bg-panel p-4">
      <h2 id="key-custody" className="text-lg font-semibold text-ink">
        Key custody
      </h2>
      {custody.isPending ? (
        <SkeletonBlock label="Asking the key store…" lines={4} />
      ) : custody.isError ? (
        <ApiErrorNotice title="The custody evidence could not be loaded" error={custody.error} />
      ) : (
        <DefinitionList
          items={[
            { term: 'CA key', description: `${custody.data.key.label} (${custody.data.key.algorithm})` },
            { term: 'Key store', description: custody.data.key.backend },
            { term: "Key store's id", description: custody.data.key.keyStoreId },
            ...keyStoreLines(custody.data.key.keyStore),
            { term: 'Signature recorded', description: rowLine(custody.data.signature) },
            {
              term: 'Signed checkpoint',
              description:
                custody.data.checkpoint === null
                  ? 'not covered by a checkpoint yet'
                  : `row ${custody.data.checkpoint.seq} at ${custody.data.checkpoint.timestamp}`,
            },
          ]}
        />
      )}
    </section>
  );
}

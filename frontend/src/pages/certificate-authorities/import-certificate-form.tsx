/** Completes a pending sub-CA with the certificate its external root signed (pasted or from a file). */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type ChangeEvent, type FormEvent } from 'react';

import type { CaSummary } from '@pki/shared';

import { Button } from '../../components/button.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { toast } from '../../components/toast.js';
import { useTRPC, useTRPCClient } from '../../trpc.js';
import { FieldShell } from './field.js';

export function ImportCertificateForm({ ca }: { ca: CaSummary }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [certificatePem, setCertificatePem] = useState('');
  const [issuerChainPem, setIssuerChainPem] = useState('');
  const [error, setError] = useState<string | undefined>();
  const importCertificate = useMutation({
    mutationFn: () =>
      client.cas.importSignedCertificate.mutate({
        caId: ca.id,
        certificatePem,
        ...(issuerChainPem.trim() === '' ? {} : { issuerChainPem }),
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: trpc.cas.pathKey() });
      toast({ title: `${ca.name} is active`, description: 'Its signed certificate was imported.' });
    },
  });

  async function readFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (file !== undefined) setCertificatePem(await file.text());
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!certificatePem.includes('-----BEGIN CERTIFICATE-----')) {
      setError('paste the signed certificate as PEM (-----BEGIN CERTIFICATE-----), or choose its file');
      return;
    }
    setError(undefined);
    importCertificate.mutate();
  }

  return (
    <form noValidate onSubmit={submit} className="flex flex-col gap-3">
      <FieldShell id="import-certificate" label="Signed certificate (PEM)" error={error}>
        {(control) => (
          <textarea
            {...control}
            className={`${control.className} h-40 py-2 font-mono text-sm`}
            value={certificatePem}
            onChange={(event) => setCertificatePem(event.target.value)}
          />
        )}
      </FieldShell>
      <label className="flex flex-col gap-1 text-sm font-semibold">
        Or choose the file
        <input type="file" accept=".pem,.crt,.cer" onChange={(event) => void readFile(event)} />
      </label>
      <FieldShell id="import-chain" label="Issuer chain up to the root (PEM, optional)">
        {(control) => (
          <textarea
            {...control}
            className={`${control.className} h-24 py-2 font-mono text-sm`}
            value={issuerChainPem}
            onChange={(event) => setIssuerChainPem(event.target.value)}
          />
        )}
      </FieldShell>
      {importCertificate.error === null ? null : (
        <ApiErrorNotice title="The certificate was not imported" error={importCertificate.error} />
      )}
      <div>
        <Button type="submit" isPending={importCertificate.isPending}>
          {importCertificate.isPending ? 'Importing…' : 'Import certificate'}
        </Button>
      </div>
    </form>
  );
}

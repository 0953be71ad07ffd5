/**
 * A sub-CA signed by an external root: the key is generated here and only its CSR leaves;
 * the signed certificate is imported on the CA's detail page.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';

import { CreateSubordinateCsrInput, KEY_ALGORITHMS } from '@pki/shared';
import type { KeyAlgorithm } from '@pki/shared';

import { Button } from '../../components/button.js';
import { Dialog } from '../../components/dialog.js';
import { saveBlob } from '../../components/download-button.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { toast } from '../../components/toast.js';
import { useTRPC, useTRPCClient } from '../../trpc.js';
import { describeAlgorithm } from './ca-labels.js';
import { FieldShell } from './field.js';
import { KeyGenerationProgress } from './key-generation-progress.js';

export function SubordinateCsrDialog({
  isOpen,
  onOpenChange,
}: {
  isOpen: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [commonName, setCommonName] = useState('');
  const [algorithm, setAlgorithm] = useState<KeyAlgorithm>('ec-p384');
  const [errors, setErrors] = useState<{ name?: string; commonName?: string }>({});
  const create = useMutation({
    mutationFn: (input: CreateSubordinateCsrInput) => client.cas.createSubordinateCsr.mutate(input),
    onSuccess: async ({ ca, csrPem }) => {
      saveBlob(new Blob([csrPem], { type: 'application/pkcs10' }), `${ca.name}.csr`);
      await queryClient.invalidateQueries({ queryKey: trpc.cas.list.queryKey() });
      toast({
        title: `CSR for ${ca.name} downloaded`,
        description: 'Have the external root sign it, then import the certificate.',
      });
      onOpenChange(false);
      void navigate(`/certificate-authorities/${encodeURIComponent(ca.id)}`);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = CreateSubordinateCsrInput.safeParse({ name: name.trim(), subject: { commonName }, algorithm });
    if (!parsed.success) {
      const found: { name?: string; commonName?: string } = {};
      for (const issue of parsed.error.issues) {
        if (issue.path[0] === 'name') found.name ??= issue.message;
        if (issue.path[1] === 'commonName') found.commonName ??= issue.message;
      }
      setErrors(found);
      return;
    }
    setErrors({});
    create.mutate(parsed.data);
  }

  return (
    <Dialog
      title="Sub-CA for an external root"
      isOpen={isOpen}
      onOpenChange={(open) => !create.isPending && onOpenChange(open)}
    >
      <p className="m-0 text-sm text-ink-muted">
        The key is generated in the key store; you download a CSR for the external root to sign.
      </p>
      <form noValidate onSubmit={submit} className="flex flex-col gap-3">
        <fieldset className="m-0 grid grid-cols-1 gap-3 border-0 p-0" disabled={create.isPending}>
          <FieldShell id="sub-ca-name" label="Name" error={errors.name}>
            {(control) => <input {...control} value={name} onChange={(event) => setName(event.target.value)} />}
          </FieldShell>
          <FieldShell id="sub-ca-common-name" label="Common name" error={errors.commonName}>
            {(control) => (
              <input {...control} value={commonName} onChange={(event) => setCommonName(event.target.value)} />
            )}
          </FieldShell>
          <FieldShell id="sub-ca-algorithm" label="Key algorithm">
            {(control) => (
              <select
                {...control}
                value={algorithm}
                onChange={(event) => setAlgorithm(event.target.value as KeyAlgorithm)}
              >
                {KEY_ALGORITHMS.map((option) => (
                  <option key={option} value={option}>
                    {describeAlgorithm(option)}
                  </option>
                ))}
              </select>
            )}
          </FieldShell>
        </fieldset>
        <KeyGenerationProgress isRunning={create.isPending} algorithm={algorithm} />
        {create.error === null ? null : <ApiErrorNotice title="No CSR was made" error={create.error} />}
        <div className="flex flex-wrap justify-end gap-2">
          <Button variant="secondary" onPress={() => onOpenChange(false)} isDisabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" isPending={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create key and download CSR'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

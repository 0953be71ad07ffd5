/** Creating a root or an intermediate CA: the form, its validation, and the key generation's progress. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { KEY_ALGORITHMS, ROOT_KEY_ALGORITHMS } from '@pki/shared';
import type { CaSummary, KeyAlgorithm } from '@pki/shared';

import { Button } from '../../components/button.js';
import { Dialog } from '../../components/dialog.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { toast } from '../../components/toast.js';
import { useTRPC, useTRPCClient } from '../../trpc.js';
import { describeAlgorithm } from './ca-labels.js';
import {
  DEFAULT_VALUES,
  parseCreateCaForm,
  type CaKind,
  type CreateCaField,
  type CreateCaFormValues,
  type CreateCaRequest,
} from './create-ca-form-values.js';
import { FieldShell } from './field.js';
import { KeyGenerationProgress } from './key-generation-progress.js';

const INTERMEDIATE_DEFAULT_VALIDITY_DAYS = '1825';

export interface CreateCaFormProps {
  /** CAs that may sign an intermediate: active ones. */
  parents: readonly CaSummary[];
  initialKind?: CaKind;
  isPending: boolean;
  onSubmit: (request: CreateCaRequest) => void;
  onCancel: () => void;
}

export function CreateCaForm({ parents, initialKind = 'root', isPending, onSubmit, onCancel }: CreateCaFormProps) {
  const [values, setValues] = useState<CreateCaFormValues>({
    ...DEFAULT_VALUES,
    kind: initialKind,
    parentId: parents[0]?.id ?? '',
  });
  const [errors, setErrors] = useState<Partial<Record<CreateCaField, string>>>({});
  const set = (field: keyof CreateCaFormValues) => (value: string) => setValues((old) => ({ ...old, [field]: value }));
  const algorithms: readonly KeyAlgorithm[] = values.kind === 'root' ? ROOT_KEY_ALGORITHMS : KEY_ALGORITHMS;

  function submit(event: FormEvent) {
    event.preventDefault();
    const result = parseCreateCaForm(values);
    if (!result.isValid) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    onSubmit(result.request);
  }

  return (
    <form noValidate onSubmit={submit} className="flex flex-col gap-3" aria-label="Create a certificate authority">
      <fieldset className="m-0 flex flex-wrap gap-4 border-0 p-0" disabled={isPending}>
        <legend className="mb-1 text-sm font-semibold">Kind</legend>
        {(['root', 'intermediate'] as const).map((kind) => (
          <label key={kind} className="flex items-center gap-2">
            <input
              type="radio"
              name="ca-kind"
              value={kind}
              checked={values.kind === kind}
              disabled={kind === 'intermediate' && parents.length === 0}
              onChange={() =>
                setValues((old) => ({
                  ...old,
                  kind,
                  // An intermediate must end before its parent: a shorter default than a root's.
                  validityDays:
                    kind === 'intermediate' && old.validityDays === DEFAULT_VALUES.validityDays
                      ? INTERMEDIATE_DEFAULT_VALIDITY_DAYS
                      : old.validityDays,
                  algorithm:
                    kind === 'root' && !ROOT_KEY_ALGORITHMS.includes(old.algorithm as never)
                      ? 'ec-p384'
                      : old.algorithm,
                }))
              }
            />
            {kind === 'root' ? 'Root CA' : 'Intermediate CA'}
          </label>
        ))}
      </fieldset>
      <fieldset className="m-0 grid grid-cols-1 gap-3 border-0 p-0 sm:grid-cols-2" disabled={isPending}>
        {values.kind === 'intermediate' ? (
          <FieldShell id="ca-parent" label="Signed by" error={errors.parentId}>
            {(control) => (
              <select {...control} value={values.parentId} onChange={(event) => set('parentId')(event.target.value)}>
                {parents.map((parent) => (
                  <option key={parent.id} value={parent.id}>
                    {parent.name}
                  </option>
                ))}
              </select>
            )}
          </FieldShell>
        ) : null}
        <FieldShell id="ca-name" label="Name" hint="A unique handle, e.g. issuing-2026." error={errors.name}>
          {(control) => (
            <input {...control} value={values.name} onChange={(event) => set('name')(event.target.value)} />
          )}
        </FieldShell>
        <FieldShell id="ca-common-name" label="Common name" error={errors.commonName}>
          {(control) => (
            <input {...control} value={values.commonName} onChange={(event) => set('commonName')(event.target.value)} />
          )}
        </FieldShell>
        <FieldShell id="ca-organization" label="Organization (optional)" error={errors.organization}>
          {(control) => (
            <input
              {...control}
              value={values.organization}
              onChange={(event) => set('organization')(event.target.value)}
            />
          )}
        </FieldShell>
        <FieldShell
          id="ca-country"
          label="Country (optional)"
          hint="Two capital letters, e.g. DE."
          error={errors.country}
        >
          {(control) => (
            <input
              {...control}
              maxLength={2}
              value={values.country}
              onChange={(event) => set('country')(event.target.value)}
            />
          )}
        </FieldShell>
        <FieldShell id="ca-algorithm" label="Key algorithm" error={errors.algorithm}>
          {(control) => (
            <select {...control} value={values.algorithm} onChange={(event) => set('algorithm')(event.target.value)}>
              {algorithms.map((algorithm) => (
                <option key={algorithm} value={algorithm}>
                  {describeAlgorithm(algorithm)}
                </option>
              ))}
            </select>
          )}
        </FieldShell>
        <FieldShell id="ca-validity" label="Validity (days)" error={errors.validityDays}>
          {(control) => (
            <input
              {...control}
              inputMode="numeric"
              value={values.validityDays}
              onChange={(event) => set('validityDays')(event.target.value)}
            />
          )}
        </FieldShell>
        {values.kind === 'intermediate' ? (
          <FieldShell
            id="ca-path-length"
            label="Path length (optional)"
            hint="0: it may issue only end-entity certificates. Empty: no limit."
            error={errors.pathLength}
          >
            {(control) => (
              <input
                {...control}
                inputMode="numeric"
                value={values.pathLength}
                onChange={(event) => set('pathLength')(event.target.value)}
              />
            )}
          </FieldShell>
        ) : null}
      </fieldset>
      <KeyGenerationProgress isRunning={isPending} algorithm={values.algorithm} />
      <div className="flex flex-wrap justify-end gap-2">
        <Button variant="secondary" onPress={onCancel} isDisabled={isPending}>
          Cancel
        </Button>
        <Button type="submit" isPending={isPending}>
          {isPending ? 'Creating…' : values.kind === 'root' ? 'Create root CA' : 'Create intermediate CA'}
        </Button>
      </div>
    </form>
  );
}

export function CreateCaDialog({
  isOpen,
  onOpenChange,
  parents,
  initialKind,
}: {
  isOpen: boolean;
  onOpenChange: (isOpen: boolean) => void;
  parents: readonly CaSummary[];
  initialKind?: CaKind;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const create = useMutation({
    // One call each: the key store generates the key within the request.
    mutationFn: (request: CreateCaRequest) =>
      request.kind === 'root'
        ? client.cas.createRoot.mutate(request.input)
        : client.cas.createIntermediate.mutate(request.input),
    onSuccess: async (ca) => {
      await queryClient.invalidateQueries({ queryKey: trpc.cas.list.queryKey() });
      await queryClient.invalidateQueries({ queryKey: trpc.system.dashboard.queryKey() });
      toast({ title: `CA ${ca.name} created`, description: ca.subjectDn });
      onOpenChange(false);
    },
  });

  return (
    <Dialog
      title="Create a certificate authority"
      isOpen={isOpen}
      onOpenChange={(next) => {
        if (!create.isPending) {
          create.reset();
          onOpenChange(next);
        }
      }}
    >
      <CreateCaForm
        parents={parents}
        initialKind={initialKind ?? 'root'}
        isPending={create.isPending}
        onSubmit={(request) => create.mutate(request)}
        onCancel={() => onOpenChange(false)}
      />
      {create.error === null ? null : <ApiErrorNotice title="The CA was not created" error={create.error} />}
    </Dialog>
  );
}

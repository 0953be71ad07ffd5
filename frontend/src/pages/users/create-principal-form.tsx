/**
 * The form above the users or the API tokens list: what signs in or calls the API is created
 * with a name and a role, plus one field of its own (a first password, an expiry). The name is
 * cleared once the server has created it; its error or outcome stays until the next submit.
 */
import { useState, type ReactNode } from 'react';

import type { UserRole } from '@pki/shared';

import { ROLE_CHOICES } from './role-choices.js';
import { useMutationCall } from './use-mutation-call.js';
import { Button } from '../../components/button.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { ChoiceInput, TextInput } from '../../components/form-fields.js';

export interface Principal {
  name: string;
  role: UserRole;
}

export function CreatePrincipalForm<T>({
  title,
  nameLabel,
  submitLabel,
  failureTitle,
  canSubmit = true,
  create,
  onCreated,
  outcome,
  children,
}: {
  title: string;
  nameLabel: string;
  submitLabel: string;
  failureTitle: string;
  /** False while the form's own field is invalid. */
  canSubmit?: boolean;
  create: (principal: Principal) => Promise<T>;
  onCreated: (created: T, principal: Principal) => void;
  /** What the last creation made, shown under the fields. */
  outcome: ReactNode;
  /** The field of this kind of principal, after the name and the role. */
  children: ReactNode;
}) {
  const { call, error, isRunning } = useMutationCall();
  const [name, setName] = useState('');
  const [role, setRole] = useState<UserRole>('operator');
  return (
    <form
      aria-label={title}
      className="card mb-4 flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        if (!canSubmit) return;
        const principal = { name, role };
        void call(() => create(principal)).then((created) => {
          if (created === undefined) return;
          onCreated(created, principal);
          setName('');
        });
      }}
    >
      <h3 className="m-0 text-base">{title}</h3>
      <div className="grid gap-3 sm:grid-cols-3">
        <TextInput label={nameLabel} value={name} onChange={setName} isRequired autoComplete="off" />
        <ChoiceInput label="Role" choices={ROLE_CHOICES} value={role} onChange={setRole} />
        {children}
      </div>
      {error === undefined ? null : <ApiErrorNotice title={failureTitle} error={error} />}
      {outcome}
      <div>
        <Button type="submit" variant="primary" isDisabled={isRunning || !canSubmit}>
          {isRunning ? 'Creating…' : submitLabel}
        </Button>
      </div>
    </form>
  );
}

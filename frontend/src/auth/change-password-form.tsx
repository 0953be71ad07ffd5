import { useState, type FormEvent } from 'react';

import { MIN_PASSWORD_LENGTH } from '@pki/shared';

import { ErrorNotice, PasswordField, PrimaryButton } from '../components/form-controls.js';
import type { ApiErrorLike } from './api-error.js';

export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
}

export interface ChangePasswordFormProps {
  username: string;
  onSubmit: (change: PasswordChange) => Promise<void>;
}

/** What can be said before asking the server; the common-password check stays the server's. */
export function checkNewPassword(change: PasswordChange & { confirmation: string }): string | undefined {
  if (change.newPassword.length < MIN_PASSWORD_LENGTH) {
    return `The new password needs at least ${MIN_PASSWORD_LENGTH} characters.`;
  }
  if (change.newPassword !== change.confirmation) return 'The two new passwords differ.';
  if (change.newPassword === change.currentPassword) return 'The new password must differ from the current one.';
  return undefined;
}

export function ChangePasswordForm({ username, onSubmit }: ChangePasswordFormProps) {
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [isSubmitting, setIsSubmitting] = useState(false);
  const [error, setError] = useState<ApiErrorLike>();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const problem = checkNewPassword({ currentPassword, newPassword, confirmation });
    if (problem !== undefined) {
      setError({ message: problem });
      return;
    }
    setIsSubmitting(true);
    setError(undefined);
    try {
      await onSubmit({ currentPassword, newPassword });
    } catch (caught) {
      setError(caught as ApiErrorLike);
    } finally {
      setIsSubmitting(false);
    }
  }

  return (
    <form className="flex flex-col gap-4" onSubmit={(event) => void submit(event)} aria-label="Change your password">
      {/* Password managers file the new password under the right account with this. */}
      <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
      <PasswordField
        id="current-password"
        label="Current password"
        autoComplete="current-password"
        value={currentPassword}
        onValueChange={setCurrentPassword}
      />
      <PasswordField
        id="new-password"
        label="New password"
        autoComplete="new-password"
        minLength={MIN_PASSWORD_LENGTH}
        hint={`At least ${MIN_PASSWORD_LENGTH} characters; common passwords are refused.`}
        value={newPassword}
        onValueChange={setNewPassword}
      />
      <PasswordField
        id="confirm-password"
        label="New password again"
        autoComplete="new-password"
        value={confirmation}
        onValueChange={setConfirmation}
      />
      {error === undefined ? null : (
        <ErrorNotice title="Password not changed" requestId={error.data?.requestId}>
          {error.message}
        </ErrorNotice>
      )}
      <PrimaryButton type="submit" disabled={isSubmitting}>
        {isSubmitting ? 'Changing…' : 'Change password'}
      </PrimaryButton>
    </form>
  );
}

import { useMutation, useQueryClient } from '@tanstack/react-query';

import type { SignedInUser } from '@pki/shared';

import { useTRPC } from '../trpc.js';
import { AuthScreen } from './auth-screen.js';
import { ChangePasswordForm } from './change-password-form.js';
import { SignOutButton } from './sign-out-button.js';

/** The first-run (or reset) password must be replaced before anything else is offered. */
export function FirstPasswordChange({ user }: { user: SignedInUser }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const changePassword = useMutation(trpc.auth.changePassword.mutationOptions());

  return (
    <AuthScreen
      title="Choose a new password"
      lead={
        <>
          Signed in as <strong>{user.username}</strong>. This password was set for you; choose your own before you
          continue.
        </>
      }
      aside={<SignOutButton />}
    >
      <ChangePasswordForm
        username={user.username}
        onSubmit={async (change) => {
          await changePassword.mutateAsync(change);
          await queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() });
        }}
      />
    </AuthScreen>
  );
}

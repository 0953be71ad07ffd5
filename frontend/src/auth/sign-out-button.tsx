import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';

import { useTRPC } from '../trpc.js';
import { SIGN_IN_PATH } from './return-to.js';

export function SignOutButton() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const signOut = useMutation(trpc.auth.signOut.mutationOptions());

  async function signOutAndLeave() {
    try {
      await signOut.mutateAsync();
    } catch {
      // An already expired session is signed out as far as the user is concerned.
    }
    // Leave first, then forget: cleared queries under a mounted shell would refetch as anonymous.
    await navigate(SIGN_IN_PATH, { replace: true });
    queryClient.clear();
  }

  return (
    <button
      type="button"
      className="inline-flex h-8 cursor-pointer items-center rounded-md border border-white/25 bg-transparent px-2.5 font-[inherit] text-sm text-[var(--color-header-text)] hover:bg-white/10 disabled:opacity-60"
      disabled={signOut.isPending}
      onClick={() => void signOutAndLeave()}
    >
      Sign out
    </button>
  );
}

/**
 * Who is signed in. `auth.me` is the one source: the guard below reads it once for the whole
 * shell, and the pages read the signed-in user from context rather than asking again.
 */
import { useQuery } from '@tanstack/react-query';
import { createContext, use, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';

import type { SignedInUser } from '@pki/shared';

import { describeQueryError } from '../app/query-error.js';
import { useTRPC } from '../trpc.js';
import { isUnauthenticated } from './api-error.js';
import { FirstPasswordChange } from './first-password-change.js';
import { signInPath } from './return-to.js';

const SignedInUserContext = createContext<SignedInUser | undefined>(undefined);

export function useSignedInUser(): SignedInUser {
  const user = use(SignedInUserContext);
  if (user === undefined) throw new Error('useSignedInUser is used outside <RequireSession>');
  return user;
}

export function useSession() {
  const trpc = useTRPC();
  // A 401 is the answer "not signed in", not a fault to retry.
  return useQuery(trpc.auth.me.queryOptions(undefined, { retry: false, staleTime: 60_000 }));
}

function ShellMessage({ children }: { children: ReactNode }) {
  return <div className="grid min-h-screen place-items-center p-6 text-ink-muted">{children}</div>;
}

/**
 * The shell is shown only to a signed-in user whose password is settled: a signed-out
 * visitor goes to the sign-in page (and comes back here after), and a user who must change
 * the first-run password is offered only that form.
 */
export function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();

  if (session.isPending || (session.isError && session.isFetching)) {
    return (
      <ShellMessage>
        <p role="status">Checking your session…</p>
      </ShellMessage>
    );
  }
  if (session.isError) {
    if (isUnauthenticated(session.error)) {
      return <Navigate to={signInPath(`${location.pathname}${location.search}${location.hash}`)} replace />;
    }
    return (
      <ShellMessage>
        <div className="card alert" role="alert">
          <h1 className="text-xl">Your session could not be checked</h1>
          <p>{describeQueryError(session.error)}</p>
          <button type="button" className="button" onClick={() => void session.refetch()}>
            Try again
          </button>
        </div>
      </ShellMessage>
    );
  }

  const user = session.data;
  if (user.mustChangePassword) return <FirstPasswordChange user={user} />;
  return <SignedInUserContext value={user}>{children}</SignedInUserContext>;
}

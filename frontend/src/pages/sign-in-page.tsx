import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';

import { AuthScreen } from '../auth/auth-screen.js';
import { describeOidcError } from '../auth/oidc-error.js';
import { oidcStartPath, safeReturnTo } from '../auth/return-to.js';
import { SignInForm } from '../auth/sign-in-form.js';
import { ErrorNotice } from '../components/form-controls.js';
import { useTRPC } from '../trpc.js';

export function SignInPage() {
  const [params] = useSearchParams();
  const returnTo = safeReturnTo(params.get('returnTo'));
  const oidcError = params.get('error');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const methods = useQuery(trpc.auth.methods.queryOptions());
  const signIn = useMutation(trpc.auth.signIn.mutationOptions());
  const oidc = methods.data?.oidc ?? null;

  return (
    <AuthScreen
      title="Sign in"
      lead={
        returnTo === '/' ? (
          'Sign in to the PKI Manager console.'
        ) : (
          <>
            Sign in to continue to <code>{returnTo}</code>.
          </>
        )
      }
    >
      <div className="flex flex-col gap-4">
        {oidcError === null ? null : <ErrorNotice title="Sign-in failed">{describeOidcError(oidcError)}</ErrorNotice>}
        <SignInForm
          onSubmit={async (credentials) => {
            await signIn.mutateAsync(credentials);
            // Nothing cached before the sign-in (a 401 above all) belongs to the new session.
            queryClient.clear();
            await navigate(returnTo, { replace: true });
          }}
        />
        {oidc === null ? null : (
          <>
            <p className="m-0 text-center text-sm text-ink-muted">or</p>
            <a
              className="inline-flex h-10 items-center justify-center rounded-md border border-line bg-panel px-4 font-semibold text-ink no-underline hover:bg-brand-soft"
              href={oidcStartPath(returnTo)}
            >
              Sign in with {oidc.name}
            </a>
          </>
        )}
      </div>
    </AuthScreen>
  );
}

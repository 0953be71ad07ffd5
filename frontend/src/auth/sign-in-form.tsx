import { useState, type FormEvent } from 'react';

import { ErrorNotice, PasswordField, PrimaryButton, TextField } from '../components/form-controls.js';
import { describeQueryError } from '../app/query-error.js';
import { retryAfterSecondsOf, type ApiErrorLike } from './api-error.js';
import { useCountdown } from './use-countdown.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface SignInFormProps {
  /** Signs in; rejects with the server's error, which the form shows inline. */
  onSubmit: (credentials: Credentials) => Promise<void>;
}

function asApiError(error: unknown): ApiErrorLike {
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') {
    return error as ApiErrorLike;
  }
  return { message: String(error) };
}

export function SignInForm({ onSubmit }: SignInFormProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [isSubmitting, setIsSubmitting] = useState(false);
  const [error, setError] = useState<ApiErrorLike>();
  const [retryAt, setRetryAt] = useState<number>();
  const waitSeconds = useCountdown(retryAt);
  const isWaiting = waitSeconds > 0;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setIsSubmitting(true);
    setError(undefined);
    try {
      await onSubmit({ username, password });
    } catch (caught) {
      const apiError = asApiError(caught);
      const retryAfter = retryAfterSecondsOf(apiError);
      setRetryAt(retryAfter === undefined ? undefined : Date.now() + retryAfter * 1000);
      setError(apiError);
      // A wrong password is retyped, not edited; the username stays.
      setPassword('');
    } finally {
      setIsSubmitting(false);
    }
  }

  return (
    <form className="flex flex-col gap-4" onSubmit={(event) => void submit(event)} aria-label="Sign in with a password">
      <TextField
        id="sign-in-username"
        label="Username"
        name="username"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        required
        value={username}
        onChange={(event) => setUsername(event.target.value)}
      />
      <PasswordField
        id="sign-in-password"
        label="Password"
        autoComplete="current-password"
        value={password}
        onValueChange={setPassword}
      />
      {error === undefined ? null : retryAt === undefined ? (
        <ErrorNotice title="Sign-in failed" requestId={error.data?.requestId}>
          {describeQueryError({ message: error.message })}
        </ErrorNotice>
      ) : (
        <ErrorNotice title="Too many attempts" requestId={error.data?.requestId}>
          {isWaiting ? `Too many failed sign-in attempts. Try again in ${waitSeconds} s.` : 'You can try again now.'}
        </ErrorNotice>
      )}
      <PrimaryButton type="submit" disabled={isSubmitting || isWaiting}>
        {isSubmitting ? 'Signing in…' : 'Sign in'}
      </PrimaryButton>
    </form>
  );
}

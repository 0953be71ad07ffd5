// @vitest-environment happy-dom
import { act, cleanup, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { SignInForm, type Credentials } from './sign-in-form.js';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

/** A server answer as the tRPC client raises it: message plus the errorFormatter's data. */
function serverError(message: string, data: Record<string, unknown>) {
  return Object.assign(new Error(message), { data });
}

async function fillAndSubmit(username: string, password: string) {
  // Under fake timers user-event's own pauses must advance them, or typing never ends.
  const user = userEvent.setup(vi.isFakeTimers() ? { advanceTimers: (ms) => vi.advanceTimersByTime(ms) } : {});
  await user.type(screen.getByLabelText('Username'), username);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('SignInForm', () => {
  it('submits the username and password it was given', async () => {
    const submitted: Credentials[] = [];
    render(<SignInForm onSubmit={async (credentials) => void submitted.push(credentials)} />);
    await fillAndSubmit('admin', 'correct horse battery');
    expect(submitted).toEqual([{ username: 'admin', password: 'correct horse battery' }]);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it("shows the server's message and request id inline, and clears the password", async () => {
    render(
      <SignInForm
        onSubmit={() =>
          Promise.reject(
            serverError('Wrong username or password.', {
              code: 'UNAUTHORIZED',
              httpStatus: 401,
              requestId: 'req-7f3a',
            }),
          )
        }
      />,
    );
    await fillAndSubmit('admin', 'not the password');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Wrong username or password.');
    expect(alert.textContent).toContain('Request id: req-7f3a');
    expect(screen.getByLabelText<HTMLInputElement>('Password').value).toBe('');
    expect(screen.getByLabelText<HTMLInputElement>('Username').value).toBe('admin');
  });

  it('counts down the wait of a rate-limited sign-in and only then offers the button again', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    render(
      <SignInForm
        onSubmit={() =>
          Promise.reject(
            serverError('Too many failed sign-in attempts; try again in 3 s.', {
              code: 'TOO_MANY_REQUESTS',
              httpStatus: 429,
              retryAfterSeconds: 3,
              requestId: 'req-rl',
            }),
          )
        }
      />,
    );
    await fillAndSubmit('admin', 'guess');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Try again in 3 s.');
    expect(alert.textContent).toContain('req-rl');
    const button = screen.getByRole<HTMLButtonElement>('button', { name: 'Sign in' });
    expect(button.disabled).toBe(true);

    await act(() => vi.advanceTimersByTimeAsync(1_000));
    expect(alert.textContent).toContain('Try again in 2 s.');
    await act(() => vi.advanceTimersByTimeAsync(2_000));
    expect(alert.textContent).toContain('You can try again now.');
    expect(button.disabled).toBe(false);
  });

  it('reads a network failure as an unanswered server', async () => {
    render(<SignInForm onSubmit={() => Promise.reject(new TypeError('Failed to fetch'))} />);
    await fillAndSubmit('admin', 'whatever it is');
    expect((await screen.findByRole('alert')).textContent).toContain('the server did not answer');
  });
});

import { describe, expect, it } from 'vitest';

import { shouldSendToSignIn } from './session-expiry.js';

const expired = (path: string) => ({
  message: 'Sign in first.',
  data: { httpStatus: 401, code: 'UNAUTHORIZED', path },
});

describe('shouldSendToSignIn', () => {
  it('sends the user to sign in when any other procedure answers 401', () => {
    expect(shouldSendToSignIn(expired('system.status'), '/keys')).toBe(true);
    expect(shouldSendToSignIn({ message: 'x', data: { httpStatus: 401 } }, '/')).toBe(true);
  });

  it.each(['auth.signIn', 'auth.changePassword', 'auth.me'])('leaves the 401 of %s to its caller', (procedure) => {
    expect(shouldSendToSignIn(expired(procedure), '/')).toBe(false);
  });

  it('does nothing on the sign-in page, or for errors that are not 401', () => {
    expect(shouldSendToSignIn(expired('system.status'), '/sign-in')).toBe(false);
    expect(shouldSendToSignIn({ message: 'x', data: { httpStatus: 403, path: 'keys.destroy' } }, '/keys')).toBe(false);
    expect(shouldSendToSignIn(new TypeError('Failed to fetch'), '/keys')).toBe(false);
  });
});

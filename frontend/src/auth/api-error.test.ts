import { describe, expect, it } from 'vitest';

import { isForbidden, isUnauthenticated, procedureOf, retryAfterSecondsOf } from './api-error.js';
import { describeOidcError } from './oidc-error.js';

describe('isUnauthenticated', () => {
  it('recognises a 401 by status or by tRPC code', () => {
    expect(isUnauthenticated({ message: 'Sign in first.', data: { httpStatus: 401 } })).toBe(true);
    expect(isUnauthenticated({ message: 'x', data: { code: 'UNAUTHORIZED' } })).toBe(true);
  });

  it('does not take a refusal by role or a network failure for an expired session', () => {
    expect(isUnauthenticated({ message: 'x', data: { httpStatus: 403, code: 'FORBIDDEN' } })).toBe(false);
    expect(isUnauthenticated(new TypeError('Failed to fetch'))).toBe(false);
    expect(isUnauthenticated(null)).toBe(false);
  });
});

describe('isForbidden and procedureOf', () => {
  it('reads the status and the procedure path from the error data', () => {
    const error = { message: 'x', data: { httpStatus: 403, code: 'FORBIDDEN', path: 'keys.destroy' } };
    expect(isForbidden(error)).toBe(true);
    expect(procedureOf(error)).toBe('keys.destroy');
    expect(procedureOf({ message: 'x' })).toBeUndefined();
  });
});

describe('retryAfterSecondsOf', () => {
  it('rounds the wait of a rate-limited answer up to whole seconds', () => {
    expect(retryAfterSecondsOf({ message: 'x', data: { code: 'TOO_MANY_REQUESTS', retryAfterSeconds: 29.2 } })).toBe(
      30,
    );
  });

  it('has no wait for another error, or for a rate limit that names none', () => {
    expect(retryAfterSecondsOf({ message: 'x', data: { code: 'UNAUTHORIZED', retryAfterSeconds: 5 } })).toBeUndefined();
    expect(retryAfterSecondsOf({ message: 'x', data: { httpStatus: 429 } })).toBeUndefined();
    expect(retryAfterSecondsOf({ message: 'x', data: { httpStatus: 429, retryAfterSeconds: -1 } })).toBeUndefined();
  });
});

describe('describeOidcError', () => {
  it('explains a known code as a sentence without the code', () => {
    const sentence = describeOidcError('OIDC_NO_ROLE');
    expect(sentence).toMatch(/none of your groups grants a role/);
    expect(sentence).not.toContain('OIDC_NO_ROLE');
  });

  it('still names an unknown code so it can be looked up', () => {
    expect(describeOidcError('OIDC_SOMETHING_NEW')).toBe(
      'Sign-in with the identity provider failed (OIDC_SOMETHING_NEW).',
    );
  });
});

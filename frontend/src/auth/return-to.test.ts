import { describe, expect, it } from 'vitest';

import { oidcStartPath, safeReturnTo, signInPath } from './return-to.js';

describe('safeReturnTo', () => {
  it.each(['/certificates', '/audit-log?actor=user%3Aalice#row-4', '/keys/abc'])(
    'keeps the same-origin path %s',
    (path) => {
      expect(safeReturnTo(path)).toBe(path);
    },
  );

  it.each([
    ['missing', null],
    ['empty', ''],
    ['absolute URL', 'https://evil.example/'],
    ['protocol-relative URL', '//evil.example/x'],
    ['backslash host', '/\\evil.example'],
    ['tab hiding a second slash', '/\t/evil.example'],
    ['javascript: URL', 'javascript:alert(1)'],
    ['relative path', 'certificates'],
    ['the sign-in page itself', '/sign-in'],
    ['the sign-in page with a query', '/sign-in?returnTo=%2Fkeys'],
  ])('falls back to the dashboard for a %s', (_what, value) => {
    expect(safeReturnTo(value)).toBe('/');
  });
});

describe('signInPath', () => {
  it('carries where the user was, encoded', () => {
    expect(signInPath('/audit-log?status=denied')).toBe('/sign-in?returnTo=%2Faudit-log%3Fstatus%3Ddenied');
  });

  it('needs no returnTo for the dashboard or for a refused target', () => {
    expect(signInPath('/')).toBe('/sign-in');
    expect(signInPath('//evil.example')).toBe('/sign-in');
  });
});

describe('oidcStartPath', () => {
  it('passes only a safe returnTo on to the backend', () => {
    expect(oidcStartPath('/keys')).toBe('/auth/oidc/start?returnTo=%2Fkeys');
    expect(oidcStartPath('https://evil.example')).toBe('/auth/oidc/start?returnTo=%2F');
  });
});

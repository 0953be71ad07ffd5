import { describe, expect, it } from 'vitest';

import { safeReturnPath } from './return-path.js';

const PUBLIC_URL = 'https://pki.example.com';

describe('safeReturnPath', () => {
  it('keeps a path on our origin, with its query and fragment', () => {
    expect(safeReturnPath('/certificates?ca=1#top', PUBLIC_URL)).toBe('/certificates?ca=1#top');
  });

  it.each([
    ['another origin', 'https://evil.example/'],
    ['a scheme-relative URL', '//evil.example/path'],
    ['a backslash that browsers read as a slash', '/\\evil.example'],
    ['a tab that browsers drop', '/\t/evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a relative path', 'certificates'],
    ['nothing', undefined],
    ['an array of query values', ['/a', '/b']],
  ])('falls back to / for %s', (_name, returnTo) => {
    expect(safeReturnPath(returnTo, PUBLIC_URL)).toBe('/');
  });
});

import { describe, expect, it } from 'vitest';

import { inventoryUrlForBucket } from './expiry-window.js';

describe('inventoryUrlForBucket', () => {
  it('names the window with the two parameters the inventory reads', () => {
    const url = new URL(
      inventoryUrlForBucket({ start: '2026-12-02T01:00:00.000Z', end: '2026-12-09T01:00:00.000Z' }),
      'http://console.test',
    );
    expect(url.pathname).toBe('/certificates');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      expiresAfter: '2026-12-02T01:00:00.000Z',
      expiresBefore: '2026-12-09T01:00:00.000Z',
    });
  });
});

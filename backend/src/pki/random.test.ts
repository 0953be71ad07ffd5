import { describe, expect, it } from 'vitest';

import { pooledRandomBytes } from './random.js';

describe('pooledRandomBytes', () => {
  it('hands out each byte once: draws across refills never repeat or overlap', () => {
    const seen = new Set<string>();
    // 600 draws of 16 bytes cross the 4 KiB pool's refill twice.
    for (let index = 0; index < 600; index++) {
      const bytes = pooledRandomBytes(16);
      expect(bytes).toHaveLength(16);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(600);
  });

  it('returns copies: refilling the pool does not change bytes already handed out', () => {
    const drawn = pooledRandomBytes(32);
    const asDrawn = drawn.toString('hex');
    for (let index = 0; index < 300; index++) pooledRandomBytes(32);
    expect(drawn.toString('hex')).toBe(asDrawn);
  });

  it('serves a request larger than the pool', () => {
    expect(pooledRandomBytes(10_000)).toHaveLength(10_000);
  });
});

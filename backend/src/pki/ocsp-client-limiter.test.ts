import { describe, expect, it } from 'vitest';

import { OcspClientLimiter } from './ocsp-client-limiter.js';
import { TokenBucket } from './ocsp-token-bucket.js';

describe('TokenBucket', () => {
  it('spends its burst, then refills at its rate and never beyond its capacity', () => {
    let nowMs = 0;
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 2 }, () => nowMs);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, true, false]);
    nowMs += 500;
    expect([bucket.tryTake(), bucket.tryTake()]).toEqual([true, false]);
    nowMs += 60_000;
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, true, false]);
    bucket.giveBack();
    expect(bucket.tryTake()).toBe(true);
  });
});

describe('OcspClientLimiter', () => {
  it('limits each client on its own and forgets the least recently seen beyond maxClients', () => {
    let nowMs = 0;
    const limiter = new OcspClientLimiter({ capacity: 2, refillPerSecond: 1, maxClients: 2 }, () => nowMs);
    expect([limiter.tryAdmit('a'), limiter.tryAdmit('a'), limiter.tryAdmit('a')]).toEqual([true, true, false]);
    expect(limiter.tryAdmit('b')).toBe(true);
    // 'a' was seen before 'b': a third client evicts it, and it comes back with a full bucket.
    expect(limiter.tryAdmit('c')).toBe(true);
    expect(limiter.trackedClients).toBe(2);
    expect([limiter.tryAdmit('a'), limiter.tryAdmit('a')]).toEqual([true, true]);
    nowMs += 1000;
    expect(limiter.tryAdmit('a')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';

import { formatDuration } from './format-duration.js';

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [0.4, '0 s'],
    [59, '59 s'],
    [60, '1 min'],
    [61, '1 min 1 s'],
    [3_600, '1 h'],
    [3_661, '1 h 1 min'],
    [7_205, '2 h'],
    [90_061, '1 d 1 h'],
    [86_400 * 400, '400 d'],
  ])('%d s reads as "%s"', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses to invent a reading for %d', (seconds) => {
    expect(formatDuration(seconds)).toBe('unknown');
  });
});

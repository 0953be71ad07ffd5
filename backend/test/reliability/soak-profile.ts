/**
 * How long the reliability tests push: a short profile for every CI run, a longer one for
 * `pnpm test:soak` (PKI_SOAK=1). The test's own knob, not an app variable.
 */
export const isSoak = process.env.PKI_SOAK === '1';

export const CRASH_PROFILE = isSoak
  ? { kills: 300, workers: 8, burstMs: [200, 3000] as const, timeoutMs: 60 * 60_000 }
  : { kills: 50, workers: 4, burstMs: [150, 1200] as const, timeoutMs: 25 * 60_000 };

/**
 * How long the reliability tests push: a short profile for every CI run, a longer one for
 * `pnpm test:soak` (PKI_SOAK=1). The test's own knobs, not app variables; PKI_CRASH_KILLS
 * overrides the number of kills (a quick local run).
 */
export const isSoak = process.env.PKI_SOAK === '1';
const killsOverride = Number.parseInt(process.env.PKI_CRASH_KILLS ?? '', 10);

export const CRASH_PROFILE = {
  ...(isSoak
    ? { kills: 300, workers: 8, killWithinMs: 3000, timeoutMs: 60 * 60_000 }
    : { kills: 50, workers: 4, killWithinMs: 1200, timeoutMs: 25 * 60_000 }),
  ...(Number.isSafeInteger(killsOverride) && killsOverride > 0 ? { kills: killsOverride } : {}),
};

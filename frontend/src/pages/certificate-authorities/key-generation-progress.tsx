/** Shown while the key store generates a CA key: the call is one request, so progress is indeterminate. */
import { ProgressBar } from 'react-aria-components';

import { useElapsedSeconds } from './use-elapsed-seconds.js';

export function KeyGenerationProgress({ isRunning, algorithm }: { isRunning: boolean; algorithm: string }) {
  const elapsed = useElapsedSeconds(isRunning);
  if (!isRunning) return null;
  return (
    <ProgressBar isIndeterminate aria-label="Generating the CA key in the key store" className="flex flex-col gap-1">
      <div className="flex justify-between text-sm">
        <span className="font-semibold">Generating the key in the key store…</span>
        <span aria-live="off">{elapsed} s</span>
      </div>
      <div className="h-2 overflow-hidden rounded-full bg-line">
        <div className="h-full w-1/3 animate-pulse rounded-full bg-brand" />
      </div>
      <p className="m-0 text-sm text-ink-muted">
        {algorithm.startsWith('rsa-4096')
          ? 'RSA 4096 keys take several seconds, longer on a hardware module.'
          : 'RSA keys take a few seconds; EC keys are quicker.'}
      </p>
    </ProgressBar>
  );
}

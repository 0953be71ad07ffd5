/**
 * Submitting a request that dual control may hold: it either runs, fails with the server's
 * error, or is stored as a pending approval (APPROVAL_REQUIRED), which is not a failure and
 * is shown as "waiting for a second admin".
 */
import { useState } from 'react';

import { isApprovalRequired } from '../auth/api-error.js';

export type GuardedSubmitState =
  | { phase: 'idle' }
  | { phase: 'running' }
  | { phase: 'done' }
  | { phase: 'awaiting-approval'; message: string }
  | { phase: 'failed'; error: unknown };

export function useGuardedSubmit(onSettled?: () => void) {
  const [state, setState] = useState<GuardedSubmitState>({ phase: 'idle' });
  async function submit(run: () => Promise<unknown>): Promise<void> {
    setState({ phase: 'running' });
    try {
      await run();
      setState({ phase: 'done' });
    } catch (error) {
      if (isApprovalRequired(error)) {
        setState({ phase: 'awaiting-approval', message: error instanceof Error ? error.message : String(error) });
      } else {
        setState({ phase: 'failed', error });
      }
    } finally {
      onSettled?.();
    }
  }
  return { state, submit, reset: () => setState({ phase: 'idle' }) };
}

import { Button } from '../../components/button.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import type { GuardedSubmitState } from '../../components/use-guarded-submit.js';
import { ApprovalPendingNotice } from '../../components/approval-pending-notice.js';

export function isGuardedSubmitFinished(state: GuardedSubmitState): boolean {
  return state.phase === 'done' || state.phase === 'awaiting-approval';
}

/** The end of a key action's form: its outcome (done, held for approval, refused) and the buttons. */
export function GuardedOutcome({
  state,
  failedTitle,
  doneText,
  submitLabel,
  runningLabel,
  canSubmit,
  onClose,
}: {
  state: GuardedSubmitState;
  failedTitle: string;
  doneText: string;
  submitLabel: string;
  runningLabel: string;
  canSubmit: boolean;
  onClose: () => void;
}) {
  const isFinished = isGuardedSubmitFinished(state);
  return (
    <>
      {state.phase === 'failed' ? <ApiErrorNotice title={failedTitle} error={state.error} /> : null}
      {state.phase === 'awaiting-approval' ? <ApprovalPendingNotice message={state.message} /> : null}
      {state.phase === 'done' ? (
        <p role="status" className="m-0 font-semibold text-ink">
          {doneText}
        </p>
      ) : null}
      <div className="flex flex-wrap justify-end gap-2">
        <Button variant="secondary" onPress={onClose} isDisabled={state.phase === 'running'}>
          {isFinished ? 'Close' : 'Cancel'}
        </Button>
        {isFinished ? null : (
          <Button type="submit" variant="danger" isDisabled={!canSubmit}>
            {state.phase === 'running' ? runningLabel : submitLabel}
          </Button>
        )}
      </div>
    </>
  );
}

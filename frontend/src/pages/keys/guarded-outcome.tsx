import { ActionButton } from '../../features/admin-kit/action-button.js';
import { ServerErrorNotice } from '../../features/admin-kit/query-state.js';
import type { GuardedSubmitState } from '../../features/admin-kit/use-guarded-submit.js';
import { ApprovalPendingNotice } from '../../features/admin-kit/approval-pending-notice.js';

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
      {state.phase === 'failed' ? <ServerErrorNotice title={failedTitle} error={state.error} /> : null}
      {state.phase === 'awaiting-approval' ? <ApprovalPendingNotice message={state.message} /> : null}
      {state.phase === 'done' ? (
        <p role="status" className="m-0 font-semibold text-ink">
          {doneText}
        </p>
      ) : null}
      <div className="flex flex-wrap justify-end gap-2">
        <ActionButton onPress={onClose} isDisabled={state.phase === 'running'}>
          {isFinished ? 'Close' : 'Cancel'}
        </ActionButton>
        {isFinished ? null : (
          <ActionButton type="submit" tone="danger" isDisabled={!canSubmit}>
            {state.phase === 'running' ? runningLabel : submitLabel}
          </ActionButton>
        )}
      </div>
    </>
  );
}

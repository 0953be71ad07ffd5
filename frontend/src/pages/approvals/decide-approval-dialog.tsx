/**
 * Approving runs exactly the stored request as the approver; rejecting drops it. Either
 * may carry a comment, kept in the approval and its audit row.
 */
import { useState } from 'react';

import type { DecideApprovalInput } from '@pki/shared';

import { describeOperation } from './approval-view.js';
import { Button } from '../../components/button.js';
import { TextInput } from '../../components/form-fields.js';
import { Dialog } from '../../components/dialog.js';
import { ApiErrorNotice } from '../../components/error-notice.js';

export type Decision = 'approve' | 'reject';

export function DecideApprovalDialog({
  decision,
  approvalId,
  operation,
  onDecide,
  onClose,
}: {
  decision: Decision;
  approvalId: string;
  operation: string;
  onDecide: (input: DecideApprovalInput) => Promise<unknown>;
  onClose: () => void;
}) {
  const [comment, setComment] = useState('');
  const [isRunning, setIsRunning] = useState(false);
  const [error, setError] = useState<unknown>();
  const verb = decision === 'approve' ? 'Approve' : 'Reject';

  async function decide() {
    setIsRunning(true);
    setError(undefined);
    try {
      await onDecide({ id: approvalId, ...(comment.trim() === '' ? {} : { comment: comment.trim() }) });
      onClose();
    } catch (caught) {
      setError(caught);
    } finally {
      setIsRunning(false);
    }
  }

  return (
    <Dialog
      title={`${verb}: ${describeOperation(operation)}`}
      role="alertdialog"
      isOpen
      onOpenChange={(isOpen) => (isOpen || isRunning ? undefined : onClose())}
      isDismissable
      isBusy={isRunning}
    >
      <form
        className="flex flex-col gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          if (!isRunning) void decide();
        }}
      >
        <p className="m-0 text-sm">
          {decision === 'approve'
            ? 'Approving runs exactly the stored request now, in your name, with the requester named beside you.'
            : 'Rejecting drops the request; nothing is run.'}
        </p>
        <TextInput label="Comment (optional)" value={comment} onChange={setComment} isMultiline />
        {error === undefined ? null : <ApiErrorNotice title={`The request was not ${decision}d`} error={error} />}
        <div className="flex flex-wrap justify-end gap-2">
          <Button variant="secondary" onPress={onClose} isDisabled={isRunning}>
            Cancel
          </Button>
          <Button type="submit" variant={decision === 'approve' ? 'primary' : 'danger'} isDisabled={isRunning}>
            {isRunning ? `${verb === 'Approve' ? 'Approving' : 'Rejecting'}…` : verb}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

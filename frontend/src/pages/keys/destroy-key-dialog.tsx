/**
 * Destroying a key: irreversible, so the dialog states what stops working, demands the key's
 * label typed back exactly (the server checks it again), and, past a CA's live certificates,
 * a reason for forcing. Under dual control the request is stored for a second admin.
 */
import { useState } from 'react';

import type { DestroyKeyInput } from '@pki/shared';

import { ForceFields, isForceSettled } from './force-fields.js';
import { GuardedOutcome, isGuardedSubmitFinished } from './guarded-outcome.js';
import { ImpactStatement } from './impact-statement.js';
import { liveCertificatesOf, type KeyDependents } from './key-impact.js';
import { TextInput } from '../../components/form-fields.js';
import { Dialog } from '../../components/dialog.js';
import { useGuardedSubmit } from '../../components/use-guarded-submit.js';

export interface DestroyKeyDialogProps {
  keyId: string;
  keyLabel: string;
  dependents: KeyDependents | undefined;
  dependentsError?: unknown;
  isDualControlEnabled: boolean;
  isOpen: boolean;
  onOpenChange: (isOpen: boolean) => void;
  onDestroy: (input: DestroyKeyInput) => Promise<unknown>;
  /** After the request settled either way (the caller refreshes its lists). */
  onSettled?: () => void;
}

export function DestroyKeyDialog(props: DestroyKeyDialogProps) {
  const { keyId, keyLabel, dependents, isDualControlEnabled, isOpen, onOpenChange, onDestroy } = props;
  const [typedLabel, setTypedLabel] = useState('');
  const [isForced, setIsForced] = useState(false);
  const [forceReason, setForceReason] = useState('');
  const { state, submit } = useGuardedSubmit(props.onSettled);
  const liveCertificates = liveCertificatesOf(dependents);
  const needsForce = liveCertificates > 0;
  const isLabelTyped = typedLabel === keyLabel;
  const canSubmit =
    isLabelTyped &&
    dependents !== undefined &&
    isForceSettled(liveCertificates, isForced, forceReason) &&
    state.phase !== 'running';
  const isFinished = isGuardedSubmitFinished(state);

  function destroy() {
    void submit(() =>
      onDestroy({
        keyId,
        confirmLabel: typedLabel,
        ...(needsForce ? { isForced: true, forceReason: forceReason.trim() } : {}),
      }),
    );
  }

  return (
    <Dialog
      title={`Destroy key ${keyLabel}`}
      role="alertdialog"
      isOpen={isOpen}
      onOpenChange={onOpenChange}
      isDismissable
      isBusy={state.phase === 'running'}
    >
      <form
        className="flex flex-col gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          if (canSubmit && !isFinished) destroy();
        }}
      >
        <ImpactStatement dependents={dependents} error={props.dependentsError} action="destroy" />
        {isDualControlEnabled ? (
          <p className="m-0 text-sm text-ink-muted">
            Dual control is on: this stores a request that a second admin must approve before the key is destroyed.
          </p>
        ) : null}
        {isFinished ? null : (
          <>
            <TextInput
              label={`Type the key's label, ${keyLabel}, to confirm`}
              value={typedLabel}
              onChange={setTypedLabel}
              autoComplete="off"
              description={isLabelTyped || typedLabel === '' ? undefined : 'The label does not match yet.'}
            />
            <ForceFields
              verb="Destroy"
              liveCertificates={liveCertificates}
              isForced={isForced}
              onForcedChange={setIsForced}
              reason={forceReason}
              onReasonChange={setForceReason}
            />
          </>
        )}
        <GuardedOutcome
          state={state}
          failedTitle="The key was not destroyed"
          doneText={`Key ${keyLabel} is destroyed.`}
          submitLabel={isDualControlEnabled ? 'Request destruction' : 'Destroy key'}
          runningLabel="Destroying…"
          canSubmit={canSubmit}
          onClose={() => onOpenChange(false)}
        />
      </form>
    </Dialog>
  );
}

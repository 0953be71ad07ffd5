/**
 * Revoking a key with an RFC 5280 reason. The key store refuses to sign with a revoked key, so
 * the dialog states what stops working first. Forcing past a CA's live certificates needs a
 * reason, and is under dual control when it is on.
 */
import { useState } from 'react';

import { REVOCATION_REASONS, type KeyLifecycleInput, type RevocationReason } from '@pki/shared';

import { ForceFields, isForceSettled } from './force-fields.js';
import { GuardedOutcome, isGuardedSubmitFinished } from './guarded-outcome.js';
import { ImpactStatement } from './impact-statement.js';
import { liveCertificatesOf, type KeyDependents } from './key-impact.js';
import { ChoiceInput } from '../../components/form-fields.js';
import { Dialog } from '../../components/dialog.js';
import { useGuardedSubmit } from '../../components/use-guarded-submit.js';

/** RFC 5280's reason names for people; certificateHold and removeFromCRL make no sense for a key. */
const REASON_LABELS: Partial<Record<RevocationReason, string>> = {
  unspecified: 'Unspecified',
  keyCompromise: 'Key compromise',
  cACompromise: 'CA compromise',
  affiliationChanged: 'Affiliation changed',
  superseded: 'Superseded',
  cessationOfOperation: 'Cessation of operation',
  privilegeWithdrawn: 'Privilege withdrawn',
  aACompromise: 'AA compromise',
};

const REASON_CHOICES = REVOCATION_REASONS.flatMap((id) => {
  const label = REASON_LABELS[id];
  return label === undefined ? [] : [{ id, label }];
});

export interface RevokeKeyDialogProps {
  keyId: string;
  keyLabel: string;
  dependents: KeyDependents | undefined;
  dependentsError?: unknown;
  isDualControlEnabled: boolean;
  isOpen: boolean;
  onOpenChange: (isOpen: boolean) => void;
  onRevoke: (input: KeyLifecycleInput) => Promise<unknown>;
  onSettled?: () => void;
}

export function RevokeKeyDialog(props: RevokeKeyDialogProps) {
  const { keyId, keyLabel, dependents, isOpen, onOpenChange } = props;
  const [reason, setReason] = useState<RevocationReason>('superseded');
  const [isForced, setIsForced] = useState(false);
  const [forceReason, setForceReason] = useState('');
  const { state, submit } = useGuardedSubmit(props.onSettled);
  const liveCertificates = liveCertificatesOf(dependents);
  const isFinished = isGuardedSubmitFinished(state);
  const canSubmit =
    dependents !== undefined && isForceSettled(liveCertificates, isForced, forceReason) && state.phase !== 'running';

  return (
    <Dialog
      title={`Revoke key ${keyLabel}`}
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
          if (!canSubmit || isFinished) return;
          void submit(() =>
            props.onRevoke({
              keyId,
              reason,
              ...(liveCertificates > 0 ? { isForced: true, forceReason: forceReason.trim() } : {}),
            }),
          );
        }}
      >
        <ImpactStatement dependents={dependents} error={props.dependentsError} action="revoke" />
        {props.isDualControlEnabled && liveCertificates > 0 ? (
          <p className="m-0 text-sm text-ink-muted">
            Dual control is on: forcing this revocation stores a request that a second admin must approve.
          </p>
        ) : null}
        {isFinished ? null : (
          <>
            <ChoiceInput label="Reason" choices={REASON_CHOICES} value={reason} onChange={setReason} />
            <ForceFields
              verb="Revoke"
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
          failedTitle="The key was not revoked"
          doneText={`Key ${keyLabel} is revoked.`}
          submitLabel="Revoke key"
          runningLabel="Revoking…"
          canSubmit={canSubmit}
          onClose={() => onOpenChange(false)}
        />
      </form>
    </Dialog>
  );
}

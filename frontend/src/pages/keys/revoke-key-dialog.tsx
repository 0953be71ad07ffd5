/**
 * Revoking a key with an RFC 5280 reason. The key store refuses to sign with a revoked key, so
 * the dialog states what stops working first. Forcing past a CA's live certificates needs a
 * reason, and is under dual control when it is on.
 */
import { useState } from 'react';

import { REVOCATION_REASONS, type KeyLifecycleInput, type RevocationReason } from '@pki/shared';

import { KeyLifecycleDialog, type KeyDialogProps } from './key-lifecycle-dialog.js';
import { ChoiceInput } from '../../components/form-fields.js';

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

export interface RevokeKeyDialogProps extends KeyDialogProps {
  onRevoke: (input: KeyLifecycleInput) => Promise<unknown>;
}

export function RevokeKeyDialog(props: RevokeKeyDialogProps) {
  const { keyId, keyLabel } = props;
  const [reason, setReason] = useState<RevocationReason>('superseded');

  return (
    <KeyLifecycleDialog
      title={`Revoke key ${keyLabel}`}
      action="revoke"
      verb="Revoke"
      dependents={props.dependents}
      dependentsError={props.dependentsError}
      isOpen={props.isOpen}
      onOpenChange={props.onOpenChange}
      onSettled={props.onSettled}
      dualControlNotice={(liveCertificates) =>
        props.isDualControlEnabled && liveCertificates > 0
          ? 'Dual control is on: forcing this revocation stores a request that a second admin must approve.'
          : null
      }
      fields={<ChoiceInput label="Reason" choices={REASON_CHOICES} value={reason} onChange={setReason} />}
      areFieldsComplete
      onSubmit={(force) => props.onRevoke({ keyId, reason, ...force })}
      failedTitle="The key was not revoked"
      doneText={`Key ${keyLabel} is revoked.`}
      submitLabel="Revoke key"
      runningLabel="Revoking…"
    />
  );
}

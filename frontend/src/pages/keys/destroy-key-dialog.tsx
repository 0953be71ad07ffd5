/**
 * Destroying a key: irreversible, so the dialog states what stops working, demands the key's
 * label typed back exactly (the server checks it again), and, past a CA's live certificates,
 * a reason for forcing. Under dual control the request is stored for a second admin.
 */
import { useState } from 'react';

import type { DestroyKeyInput } from '@pki/shared';

import { KeyLifecycleDialog, type KeyDialogProps } from './key-lifecycle-dialog.js';
import { TextInput } from '../../components/form-fields.js';

export interface DestroyKeyDialogProps extends KeyDialogProps {
  onDestroy: (input: DestroyKeyInput) => Promise<unknown>;
}

export function DestroyKeyDialog(props: DestroyKeyDialogProps) {
  const { keyId, keyLabel, isDualControlEnabled, onDestroy } = props;
  const [typedLabel, setTypedLabel] = useState('');
  const isLabelTyped = typedLabel === keyLabel;

  return (
    <KeyLifecycleDialog
      title={`Destroy key ${keyLabel}`}
      action="destroy"
      verb="Destroy"
      dependents={props.dependents}
      dependentsError={props.dependentsError}
      isOpen={props.isOpen}
      onOpenChange={props.onOpenChange}
      onSettled={props.onSettled}
      dualControlNotice={() =>
        isDualControlEnabled
          ? 'Dual control is on: this stores a request that a second admin must approve before the key is destroyed.'
          : null
      }
      fields={
        <TextInput
          label={`Type the key's label, ${keyLabel}, to confirm`}
          value={typedLabel}
          onChange={setTypedLabel}
          autoComplete="off"
          description={isLabelTyped || typedLabel === '' ? undefined : 'The label does not match yet.'}
        />
      }
      areFieldsComplete={isLabelTyped}
      onSubmit={(force) => onDestroy({ keyId, confirmLabel: typedLabel, ...force })}
      failedTitle="The key was not destroyed"
      doneText={`Key ${keyLabel} is destroyed.`}
      submitLabel={isDualControlEnabled ? 'Request destruction' : 'Destroy key'}
      runningLabel="Destroying…"
    />
  );
}

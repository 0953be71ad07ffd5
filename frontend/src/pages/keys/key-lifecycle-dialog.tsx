/**
 * The flow that destroying and revoking a key share: state what stops working, an optional dual
 * control notice, the operation's own fields, the force fields past a CA's live certificates, and
 * the guarded submit with its outcome. Each dialog supplies only what differs (its fields, its
 * words and the request it sends).
 */
import { useState, type ReactNode } from 'react';

import { ForceFields, isForceSettled } from './force-fields.js';
import { GuardedOutcome, isGuardedSubmitFinished } from './guarded-outcome.js';
import { ImpactStatement } from './impact-statement.js';
import { liveCertificatesOf, type KeyAction, type KeyDependents } from './key-impact.js';
import { Dialog } from '../../components/dialog.js';
import { useGuardedSubmit } from '../../components/use-guarded-submit.js';

/** Present only when the request forces past live certificates. */
export type ForceOption = { isForced: true; forceReason: string } | Record<never, never>;

/** What the keys page gives both the destroy and the revoke dialog. */
export interface KeyDialogProps {
  keyId: string;
  keyLabel: string;
  dependents: KeyDependents | undefined;
  dependentsError?: unknown;
  isDualControlEnabled: boolean;
  isOpen: boolean;
  onOpenChange: (isOpen: boolean) => void;
  /** After the request settled either way (the caller refreshes its lists). */
  onSettled?: (() => void) | undefined;
}

export interface KeyLifecycleDialogProps extends Pick<
  KeyDialogProps,
  'dependents' | 'dependentsError' | 'isOpen' | 'onOpenChange' | 'onSettled'
> {
  title: string;
  action: KeyAction;
  verb: 'Destroy' | 'Revoke';
  /** Shown under the impact statement; receives the number of live certificates. */
  dualControlNotice: (liveCertificates: number) => string | null;
  /** The operation's own fields, hidden once the request finished. */
  fields: ReactNode;
  /** Whether the operation's own fields allow submitting. */
  areFieldsComplete: boolean;
  onSubmit: (force: ForceOption) => Promise<unknown>;
  failedTitle: string;
  doneText: string;
  submitLabel: string;
  runningLabel: string;
}

export function KeyLifecycleDialog(props: KeyLifecycleDialogProps) {
  const { dependents, onOpenChange } = props;
  const [isForced, setIsForced] = useState(false);
  const [forceReason, setForceReason] = useState('');
  const { state, submit } = useGuardedSubmit(props.onSettled);
  const liveCertificates = liveCertificatesOf(dependents);
  const canSubmit =
    props.areFieldsComplete &&
    dependents !== undefined &&
    isForceSettled(liveCertificates, isForced, forceReason) &&
    state.phase !== 'running';
  const isFinished = isGuardedSubmitFinished(state);
  const notice = props.dualControlNotice(liveCertificates);

  return (
    <Dialog
      title={props.title}
      role="alertdialog"
      isOpen={props.isOpen}
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
            props.onSubmit(liveCertificates > 0 ? { isForced: true, forceReason: forceReason.trim() } : {}),
          );
        }}
      >
        <ImpactStatement dependents={dependents} error={props.dependentsError} action={props.action} />
        {notice === null ? null : <p className="m-0 text-sm text-ink-muted">{notice}</p>}
        {isFinished ? null : (
          <>
            {props.fields}
            <ForceFields
              verb={props.verb}
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
          failedTitle={props.failedTitle}
          doneText={props.doneText}
          submitLabel={props.submitLabel}
          runningLabel={props.runningLabel}
          canSubmit={canSubmit}
          onClose={() => onOpenChange(false)}
        />
      </form>
    </Dialog>
  );
}

/**
 * Modal dialogs on react-aria (focus trapped inside, restored on close, Escape dismisses).
 * ConfirmDialog asks before a consequential action; with `typedConfirmation` the person must
 * type a word (e.g. the CA's name) before a destroy or revoke is offered.
 */
import { useState, type ReactNode } from 'react';
import { Dialog as AriaDialog, Heading, Input, Label, Modal, ModalOverlay, TextField } from 'react-aria-components';

import { Button } from './button.js';

export interface DialogProps {
  title: string;
  isOpen: boolean;
  onOpenChange: (isOpen: boolean) => void;
  children: ReactNode;
  /** Whether a click outside closes it; off for forms, so typed input is not lost. */
  isDismissable?: boolean;
  role?: 'dialog' | 'alertdialog';
  /** While a request runs neither a click outside nor Escape closes it: that would hide the outcome. */
  isBusy?: boolean;
}

export function Dialog({
  title,
  isOpen,
  onOpenChange,
  children,
  isDismissable = false,
  role = 'dialog',
  isBusy = false,
}: DialogProps) {
  return (
    <ModalOverlay
      isOpen={isOpen}
      onOpenChange={onOpenChange}
      isDismissable={isDismissable && !isBusy}
      isKeyboardDismissDisabled={isBusy}
      className="fixed inset-0 z-40 flex items-start justify-center overflow-y-auto bg-black/50 p-4 sm:items-center"
    >
      <Modal className="w-full max-w-lg rounded-lg border border-line bg-panel text-ink shadow-xl">
        <AriaDialog role={role} className="flex flex-col gap-3 p-5 outline-none">
          <Heading slot="title" className="m-0 text-lg font-semibold">
            {title}
          </Heading>
          {children}
        </AriaDialog>
      </Modal>
    </ModalOverlay>
  );
}

export interface ConfirmDialogProps {
  title: string;
  isOpen: boolean;
  onOpenChange: (isOpen: boolean) => void;
  /** What will happen, in the words of the person's goal. */
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  isPending?: boolean;
  /** Shown under the text, e.g. an ApiErrorNotice of the failed mutation. */
  error?: ReactNode;
  variant?: 'primary' | 'danger';
  /** A word the person must type back before confirming (for irreversible actions). */
  typedConfirmation?: string | undefined;
}

export function ConfirmDialog({
  title,
  isOpen,
  onOpenChange,
  children,
  confirmLabel,
  onConfirm,
  isPending = false,
  error,
  variant = 'danger',
  typedConfirmation,
}: ConfirmDialogProps) {
  const [typed, setTyped] = useState('');
  const isConfirmed = typedConfirmation === undefined || typed.trim() === typedConfirmation;

  function changeOpen(next: boolean) {
    if (!next) setTyped('');
    onOpenChange(next);
  }

  return (
    <Dialog title={title} isOpen={isOpen} onOpenChange={changeOpen} role="alertdialog">
      <div className="text-sm">{children}</div>
      {typedConfirmation === undefined ? null : (
        <TextField value={typed} onChange={setTyped} className="flex flex-col gap-1" autoFocus>
          <Label className="text-sm font-semibold">
            Type <code>{typedConfirmation}</code> to confirm
          </Label>
          <Input className="h-10 rounded-md border border-line bg-panel px-3 text-base text-ink outline-none data-[focused]:border-brand" />
        </TextField>
      )}
      {error}
      <div className="mt-2 flex flex-wrap justify-end gap-2">
        <Button variant="secondary" onPress={() => changeOpen(false)} isDisabled={isPending}>
          Cancel
        </Button>
        <Button variant={variant} onPress={onConfirm} isDisabled={!isConfirmed} isPending={isPending}>
          {isPending ? 'Working…' : confirmLabel}
        </Button>
      </div>
    </Dialog>
  );
}

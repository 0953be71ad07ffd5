/**
 * A modal dialog with a heading, over React Aria's ModalOverlay/Modal/Dialog: focus is
 * trapped and restored, Escape closes it, and the heading names it for screen readers.
 */
import type { ReactNode } from 'react';
import { Dialog, Heading, Modal, ModalOverlay } from 'react-aria-components';

interface ModalDialogProps {
  title: string;
  isOpen: boolean;
  onOpenChange: (isOpen: boolean) => void;
  /** alertdialog for destructive confirmations. */
  role?: 'dialog' | 'alertdialog';
  /** While a request runs the dialog stays open: closing it would hide the outcome. */
  isDismissable?: boolean;
  children: ReactNode;
}

export function ModalDialog({
  title,
  isOpen,
  onOpenChange,
  role = 'dialog',
  isDismissable = true,
  children,
}: ModalDialogProps) {
  return (
    <ModalOverlay
      isOpen={isOpen}
      onOpenChange={onOpenChange}
      isDismissable={isDismissable}
      isKeyboardDismissDisabled={!isDismissable}
      className="fixed inset-0 z-50 flex items-start justify-center overflow-y-auto bg-black/50 p-4 sm:items-center"
    >
      <Modal className="w-full max-w-lg rounded-lg border border-line bg-panel p-5 text-ink shadow-xl">
        <Dialog role={role} className="outline-none">
          <Heading slot="title" className="m-0 mb-3 text-lg font-semibold">
            {title}
          </Heading>
          {children}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

/**
 * Brief notices after an action ("CA created", "CRL downloaded"). One queue for the app:
 * `toast()` may be called from anywhere; `<ToastRegion />` is rendered once by the layout.
 * Errors are not toasts: they stay inline next to what failed (ErrorNotice).
 */
import {
  Button as AriaButton,
  Text,
  UNSTABLE_Toast as AriaToast,
  UNSTABLE_ToastContent as AriaToastContent,
  UNSTABLE_ToastQueue as ToastQueue,
  UNSTABLE_ToastRegion as AriaToastRegion,
} from 'react-aria-components';

export interface ToastMessage {
  title: string;
  description?: string | undefined;
  tone?: 'success' | 'info' | undefined;
}

/** Long enough to read two lines; react-aria pauses the timer while hovered or focused. */
const TOAST_TIMEOUT_MS = 6_000;

export const toastQueue = new ToastQueue<ToastMessage>({ maxVisibleToasts: 3 });

export function toast(message: ToastMessage): string {
  return toastQueue.add(message, { timeout: TOAST_TIMEOUT_MS });
}

export function ToastRegion() {
  return (
    <AriaToastRegion
      queue={toastQueue}
      className="fixed right-4 bottom-4 z-50 flex max-w-[calc(100vw-2rem)] flex-col gap-2 outline-none"
    >
      {({ toast: queued }) => (
        <AriaToast
          toast={queued}
          className={`flex w-80 max-w-full items-start gap-3 rounded-md border border-line border-l-4 bg-panel px-3 py-2 text-ink shadow-lg outline-none data-[focus-visible]:outline-2 data-[focus-visible]:outline-[var(--color-focus)] ${queued.content.tone === 'info' ? 'border-l-brand' : 'border-l-[var(--tone-up)]'}`}
        >
          <AriaToastContent className="min-w-0 flex-1">
            <Text slot="title" className="block font-semibold">
              {queued.content.title}
            </Text>
            {queued.content.description === undefined ? null : (
              <Text slot="description" className="block text-sm text-ink-muted">
                {queued.content.description}
              </Text>
            )}
          </AriaToastContent>
          <AriaButton
            slot="close"
            aria-label="Dismiss"
            className="cursor-pointer rounded border-0 bg-transparent px-1 text-lg leading-none text-ink-muted outline-none data-[focus-visible]:outline-2 data-[focus-visible]:outline-[var(--color-focus)] data-[hovered]:text-ink"
          >
            ×
          </AriaButton>
        </AriaToast>
      )}
    </AriaToastRegion>
  );
}

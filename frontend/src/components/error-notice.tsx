/** An inline error: what the server said, and the request id to find it in the server log. */
import type { ReactNode } from 'react';

import { requestIdOf } from '../auth/api-error.js';
import { describeQueryError } from '../app/query-error.js';

export interface ErrorNoticeProps {
  title: string;
  children: ReactNode;
  requestId?: string | undefined;
  /** An action that may help, e.g. a "Try again" button. */
  action?: ReactNode;
}

export function ErrorNotice({ title, children, requestId, action }: ErrorNoticeProps) {
  return (
    <div role="alert" className="rounded-md border-l-4 border-danger bg-danger-soft px-3 py-2 text-sm text-ink">
      <p className="m-0 font-semibold text-danger">{title}</p>
      <p className="m-0 mt-1">{children}</p>
      {requestId === undefined ? null : (
        <p className="m-0 mt-1 text-ink-muted">
          Request id: <code>{requestId}</code>
        </p>
      )}
      {action === undefined ? null : <div className="mt-2">{action}</div>}
    </div>
  );
}

/** A failed query or mutation as an ErrorNotice: the server's message, its request id apart. */
export function ApiErrorNotice({ title, error, action }: { title: string; error: unknown; action?: ReactNode }) {
  const requestId = requestIdOf(error);
  // describeQueryError appends the request id; it is shown on its own line here instead.
  const message =
    typeof error === 'object' && error !== null && 'message' in error
      ? describeQueryError({ message: String(error.message) })
      : String(error);
  return (
    <ErrorNotice title={title} requestId={requestId} action={action}>
      {message}
    </ErrorNotice>
  );
}

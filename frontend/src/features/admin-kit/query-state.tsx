/**
 * How the admin pages show a request's state: a skeleton while loading, the server's message
 * and request id when it failed, and an empty state that says what to do next.
 */
import type { ReactNode } from 'react';

import { describeQueryError, type QueryErrorLike } from '../../app/query-error.js';
import { ErrorNotice } from '../../components/form-controls.js';

export function requestIdOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('data' in error)) return undefined;
  const { data } = error as { data?: { requestId?: unknown } | null };
  return typeof data?.requestId === 'string' ? data.requestId : undefined;
}

/** The server's message, the request id apart so it can be copied. */
export function ServerErrorNotice({ title, error }: { title: string; error: unknown }) {
  const requestId = requestIdOf(error);
  const message =
    typeof error === 'object' && error !== null && 'message' in error
      ? describeQueryError({ message: String((error as QueryErrorLike).message) })
      : String(error);
  return (
    <ErrorNotice title={title} requestId={requestId}>
      {message}
    </ErrorNotice>
  );
}

export function TableSkeleton({ label, rows = 4 }: { label: string; rows?: number }) {
  return (
    <div role="status" aria-label={label} className="flex flex-col gap-2">
      {Array.from({ length: rows }, (_, index) => (
        <div key={index} className="h-9 animate-pulse rounded-md bg-line/60" />
      ))}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-line bg-panel px-4 py-6 text-center">
      <p className="m-0 font-semibold text-ink">{title}</p>
      {children === undefined ? null : <div className="m-0 mt-1 text-sm text-ink-muted">{children}</div>}
    </div>
  );
}

export function PageIntro({ title, lead, actions }: { title: string; lead: string; actions?: ReactNode }) {
  return (
    <header className="page-header flex flex-wrap items-end justify-between gap-3">
      <div>
        <h1>{title}</h1>
        <p className="page-lead">{lead}</p>
      </div>
      {actions === undefined ? null : <div className="flex flex-wrap gap-2">{actions}</div>}
    </header>
  );
}

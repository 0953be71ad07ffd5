/** Nothing to show yet, and what to do about it (an action, or the command line equivalent). */
import type { ReactNode } from 'react';

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="flex flex-col items-start gap-2 rounded-md border border-dashed border-line bg-panel px-4 py-6">
      <p className="m-0 font-semibold text-ink">{title}</p>
      {children === undefined ? null : <div className="m-0 text-sm text-ink-muted">{children}</div>}
      {action === undefined ? null : <div className="mt-1">{action}</div>}
    </div>
  );
}

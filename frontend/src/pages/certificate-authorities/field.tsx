/** A labelled input or select with its error beside it (aria-invalid, aria-describedby). */
import type { ReactNode } from 'react';

const CONTROL_CLASSES =
  'h-10 w-full rounded-md border bg-panel px-3 text-base text-ink focus-visible:border-brand aria-[invalid=true]:border-danger';

interface FieldShellProps {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
  children: (control: {
    id: string;
    className: string;
    'aria-invalid': boolean;
    'aria-describedby': string | undefined;
  }) => ReactNode;
}

export function FieldShell({ id, label, error, hint, children }: FieldShellProps) {
  const described = [hint === undefined ? null : `${id}-hint`, error === undefined ? null : `${id}-error`]
    .filter((value) => value !== null)
    .join(' ');
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <label htmlFor={id} className="text-sm font-semibold text-ink">
        {label}
      </label>
      {children({
        id,
        className: `${CONTROL_CLASSES} ${error === undefined ? 'border-line' : 'border-danger'}`,
        'aria-invalid': error !== undefined,
        'aria-describedby': described === '' ? undefined : described,
      })}
      {hint === undefined ? null : (
        <p id={`${id}-hint`} className="m-0 text-sm text-ink-muted">
          {hint}
        </p>
      )}
      {error === undefined ? null : (
        <p id={`${id}-error`} className="m-0 text-sm font-semibold text-danger">
          {error}
        </p>
      )}
    </div>
  );
}

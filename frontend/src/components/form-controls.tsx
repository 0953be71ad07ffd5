/**
 * The console's form parts, in the shadcn manner: plain elements styled with Tailwind
 * utilities compiled into the stylesheet, so nothing is injected at run time.
 */
import type { ButtonHTMLAttributes, InputHTMLAttributes } from 'react';

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  id: string;
  label: string;
  hint?: string | undefined;
}

export function TextField({ id, label, hint, ...input }: FieldProps) {
  const hintId = hint === undefined ? undefined : `${id}-hint`;
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-semibold text-ink">
        {label}
      </label>
      <input
        id={id}
        aria-describedby={hintId}
        className="h-10 rounded-md border border-line bg-panel px-3 text-base text-ink placeholder:text-ink-muted focus-visible:border-brand"
        {...input}
      />
      {hint === undefined ? null : (
        <p id={hintId} className="m-0 text-sm text-ink-muted">
          {hint}
        </p>
      )}
    </div>
  );
}

interface PasswordFieldProps {
  id: string;
  label: string;
  autoComplete: 'current-password' | 'new-password';
  value: string;
  onValueChange: (value: string) => void;
  hint?: string | undefined;
  minLength?: number | undefined;
}

export function PasswordField({ onValueChange, ...field }: PasswordFieldProps) {
  return <TextField type="password" required onChange={(event) => onValueChange(event.target.value)} {...field} />;
}

export function PrimaryButton({ children, className, ...button }: ButtonHTMLAttributes<HTMLButtonElement>) {
  return (
    <button
      className={`inline-flex h-10 cursor-pointer items-center justify-center rounded-md border border-brand bg-brand px-4 font-[inherit] font-semibold text-on-brand hover:opacity-90 disabled:cursor-not-allowed disabled:opacity-60 ${className ?? ''}`}
      {...button}
    >
      {children}
    </button>
  );
}

/** Kept here for the sign-in screens, which import their parts from this file. */
export { ErrorNotice } from './error-notice.js';

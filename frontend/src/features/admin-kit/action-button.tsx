/**
 * Buttons of the admin pages (Keys, Approvals, Users, Audit log) over React Aria's Button,
 * which handles press, keyboard and focus alike. A local part until the shared kit in
 * components/ lands; the lead dedupes at merge.
 */
import { Button, type ButtonProps } from 'react-aria-components';

export type ButtonTone = 'primary' | 'secondary' | 'danger';

const TONES: Record<ButtonTone, string> = {
  primary: 'border-brand bg-brand text-on-brand',
  secondary: 'border-line bg-panel text-ink',
  danger: 'border-danger bg-danger text-on-brand',
};

export function ActionButton({
  tone = 'secondary',
  className,
  ...props
}: Omit<ButtonProps, 'className'> & { tone?: ButtonTone; className?: string }) {
  return (
    <Button
      {...props}
      className={`inline-flex min-h-9 cursor-pointer items-center justify-center gap-1 rounded-md border px-3 py-1 font-[inherit] text-sm font-semibold hover:opacity-90 disabled:cursor-not-allowed disabled:opacity-60 ${TONES[tone]} ${className ?? ''}`}
    />
  );
}

/**
 * The console's one button: react-aria's Button (press events that behave alike for mouse,
 * touch and keyboard) in four looks. `danger` is for actions that cannot be undone, `quiet`
 * for secondary actions inside dense rows.
 */
import { Button as AriaButton, type ButtonProps as AriaButtonProps } from 'react-aria-components';

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'quiet';

const VARIANT_CLASSES: Record<ButtonVariant, string> = {
  primary: 'border-brand bg-brand text-on-brand hover:opacity-90',
  secondary: 'border-line bg-panel text-ink hover:border-brand',
  danger: 'border-danger bg-danger text-on-brand hover:opacity-90',
  quiet: 'border-transparent bg-transparent text-brand hover:bg-brand-soft',
};

export const BUTTON_BASE_CLASSES =
  'inline-flex h-10 cursor-pointer items-center justify-center gap-2 rounded-md border px-4 font-[inherit] font-semibold ' +
  'no-underline outline-none data-[focus-visible]:outline-2 data-[focus-visible]:outline-offset-2 ' +
  'data-[focus-visible]:outline-[var(--color-focus)] data-[disabled]:cursor-not-allowed data-[disabled]:opacity-60 ' +
  'data-[pending]:cursor-progress';

export function buttonClasses(variant: ButtonVariant = 'primary', extra?: string): string {
  return `${BUTTON_BASE_CLASSES} ${VARIANT_CLASSES[variant]} ${extra ?? ''}`.trim();
}

export interface ButtonProps extends Omit<AriaButtonProps, 'className'> {
  variant?: ButtonVariant | undefined;
  className?: string | undefined;
}

export function Button({ variant = 'primary', className, ...props }: ButtonProps) {
  return <AriaButton {...props} className={buttonClasses(variant, className)} />;
}

/**
 * A state as a small coloured label (certificate, CA, key, approval states). The text always
 * names the state; colour only repeats it.
 */
export type BadgeTone = 'good' | 'bad' | 'warn' | 'neutral' | 'info';

const TONE_CLASSES: Record<BadgeTone, string> = {
  good: 'border-[var(--tone-up)] bg-[var(--tone-up-soft)] text-[var(--tone-up)]',
  bad: 'border-danger bg-danger-soft text-danger',
  warn: 'border-warn bg-warn-soft text-warn',
  neutral: 'border-line bg-[var(--tone-muted-soft)] text-ink-muted',
  info: 'border-brand bg-brand-soft text-brand',
};

/** The tone of the states the API reports; anything else is neutral. */
const STATE_TONES: Record<string, BadgeTone> = {
  active: 'good',
  valid: 'good',
  success: 'good',
  enabled: 'good',
  approved: 'good',
  up: 'good',
  expiring: 'warn',
  pending: 'warn',
  denied: 'warn',
  deactivated: 'warn',
  suspended: 'warn',
  revoked: 'bad',
  expired: 'bad',
  destroyed: 'bad',
  rejected: 'bad',
  failed: 'bad',
  failure: 'bad',
  disabled: 'bad',
  down: 'bad',
  compromised: 'bad',
};

export function toneOfState(state: string): BadgeTone {
  return STATE_TONES[state.toLowerCase()] ?? 'neutral';
}

export function Badge({ children, tone = 'neutral' }: { children: string; tone?: BadgeTone }) {
  return (
    <span
      className={`inline-block rounded-full border px-2 py-0.5 text-xs font-semibold whitespace-nowrap ${TONE_CLASSES[tone]}`}
    >
      {children}
    </span>
  );
}

/** A badge for an API state such as `active` or `revoked`, toned by the state. */
export function StateBadge({ state, label }: { state: string; label?: string }) {
  return <Badge tone={toneOfState(state)}>{label ?? state}</Badge>;
}

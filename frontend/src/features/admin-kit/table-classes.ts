/** The look of React Aria tables on the admin pages, in one place. */
export const TABLE_CLASSES = {
  frame: 'overflow-x-auto rounded-lg border border-line bg-panel',
  table: 'w-full border-collapse text-sm',
  column: 'border-b border-line px-3 py-2 text-left text-xs font-bold uppercase tracking-wide text-ink-muted',
  row: 'border-b border-line last:border-b-0 focus-visible:outline-2 focus-visible:outline-brand',
  cell: 'px-3 py-2 align-top',
} as const;

export type PillTone = 'up' | 'down' | 'warn' | 'muted';

const PILL_TONES: Record<PillTone, string> = {
  up: 'pill tone-up',
  down: 'pill tone-down',
  warn: 'pill border-warn bg-warn-soft text-warn',
  muted: 'pill text-ink-muted',
};

export function pillClass(tone: PillTone): string {
  return PILL_TONES[tone];
}

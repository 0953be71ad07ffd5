/** The look of React Aria tables on the admin pages, in one place. */
export const TABLE_CLASSES = {
  frame: 'overflow-x-auto rounded-lg border border-line bg-panel',
  table: 'w-full border-collapse text-sm',
  column: 'border-b border-line px-3 py-2 text-left text-xs font-bold uppercase tracking-wide text-ink-muted',
  row: 'border-b border-line last:border-b-0 focus-visible:outline-2 focus-visible:outline-brand',
  cell: 'px-3 py-2 align-top',
} as const;

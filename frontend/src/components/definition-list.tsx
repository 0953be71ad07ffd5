/** Label/value pairs of a detail page; two columns when there is room, stacked at 390 px. */
import type { ReactNode } from 'react';

export interface DefinitionItem {
  term: string;
  description: ReactNode;
}

export function DefinitionList({ items }: { items: readonly DefinitionItem[] }) {
  return (
    <dl className="m-0 grid grid-cols-1 gap-x-6 gap-y-2 sm:grid-cols-[minmax(8rem,max-content)_1fr]">
      {items.map((item) => (
        <div key={item.term} className="contents">
          <dt className="text-sm font-semibold text-ink-muted">{item.term}</dt>
          <dd className="m-0 mb-2 min-w-0 break-words text-ink sm:mb-0">{item.description}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * A QueryView for a list, worded the same on every page: "Loading keys" while it loads,
 * "The keys could not be read" when it fails, and `empty` when there is nothing.
 */
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

import { QueryView } from './query-view.js';

export function ListView<T, E>({
  query,
  noun,
  empty,
  children,
}: {
  query: UseQueryResult<T[], E>;
  /** What the list holds, plural and in lower case unless a proper name: "keys", "API tokens". */
  noun: string;
  empty: ReactNode;
  children: (items: T[]) => ReactNode;
}) {
  return (
    <QueryView
      query={query}
      loadingLabel={`Loading ${noun}`}
      errorTitle={`The ${noun} could not be read`}
      isEmpty={(items) => items.length === 0}
      empty={empty}
    >
      {children}
    </QueryView>
  );
}

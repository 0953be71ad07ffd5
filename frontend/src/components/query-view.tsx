import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

import { ApiErrorNotice } from './error-notice.js';
import { SkeletonBlock } from './skeleton.js';

/** A list query's four faces: loading skeleton, the server's error, the empty state, or the data. */
export function QueryView<T, E>({
  query,
  loadingLabel,
  errorTitle,
  isEmpty,
  empty,
  children,
}: {
  query: UseQueryResult<T, E>;
  loadingLabel: string;
  errorTitle: string;
  isEmpty: (data: T) => boolean;
  empty: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <SkeletonBlock label={loadingLabel} lines={4} />;
  if (query.isError) return <ApiErrorNotice title={errorTitle} error={query.error} />;
  return isEmpty(query.data) ? empty : children(query.data);
}

import { useQuery } from '@tanstack/react-query';

import { useTRPC } from '../trpc.js';

/** Often enough to notice a key store going down, rare enough to stay out of the logs. */
const STATUS_REFRESH_MS = 30_000;

/** One query shared by the header badge and the dashboard (same key, one request). */
export function useSystemStatus() {
  const trpc = useTRPC();
  return useQuery(trpc.system.status.queryOptions(undefined, { refetchInterval: STATUS_REFRESH_MS }));
}

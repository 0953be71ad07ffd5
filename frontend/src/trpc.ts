/**
 * The typed tRPC client. Only the `AppRouter` type crosses from the backend; at run time
 * the console talks to `/trpc` on its own origin (served by the backend in production,
 * proxied by Vite in development).
 */
import { QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';

import type { AppRouter } from '@pki/backend/trpc';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Status and lists change on the server, not in this tab; a short freshness window
        // avoids refetch storms when several components read the same procedure.
        staleTime: 10_000,
        retry: 1,
      },
    },
  });
}

export function createTrpcClient() {
  return createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: '/trpc' })],
  });
}

/**
 * The typed tRPC client. Only the `AppRouter` type crosses from the backend; at run time
 * the console talks to `/trpc` on its own origin (served by the backend in production,
 * proxied by Vite in development).
 */
import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpLink, splitLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

import type { AppRouter } from '@pki/backend/trpc';
import { MAX_TRPC_BATCH_SIZE } from '@pki/shared';

import { isForbidden, isUnauthenticated } from './auth/api-error.js';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** What the procedures take and answer, from the router's type alone (nothing of the backend runs here). */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;

/** Told of every failed query and mutation, e.g. to send an expired session to sign-in. */
export type ApiErrorListener = (error: unknown) => void;

export function createQueryClient(onApiError: ApiErrorListener = () => {}): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({ onError: onApiError }),
    mutationCache: new MutationCache({ onError: onApiError }),
    defaultOptions: {
      queries: {
        // Status and lists change on the server, not in this tab; a short freshness window
        // avoids refetch storms when several components read the same procedure.
        staleTime: 10_000,
        // One retry for a network blip; a refusal (401, 403) answers the same every time.
        retry: (failureCount, error) => failureCount < 1 && !isUnauthenticated(error) && !isForbidden(error),
      },
    },
  });
}

/**
 * The server's browser rule (issue 11): a request carrying the session cookie must also
 * carry this header, which a cross-site form or a fetch without CORS cannot set.
 */
export const REQUEST_MARKER_HEADERS = { 'X-PKI-Request': '1' } as const;

/**
 * Procedures sent on their own rather than in a batch. A batch answers when its slowest call
 * does, and `system.status` probes the key store (up to a second while it is away): batched
 * with a page's data, it would hold the page back, and a failed status request would fail the
 * page's queries with it.
 */
const UNBATCHED_PROCEDURES: ReadonlySet<string> = new Set(['system.status']);

export function createTrpcClient() {
  const connection = { url: '/trpc', headers: () => REQUEST_MARKER_HEADERS };
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (operation) => UNBATCHED_PROCEDURES.has(operation.path),
        true: httpLink(connection),
        false: httpBatchLink({ ...connection, maxItems: MAX_TRPC_BATCH_SIZE }),
      }),
    ],
  });
}

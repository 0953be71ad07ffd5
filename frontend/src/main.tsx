import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router/dom';

import { createAppRouter } from './app/routes.js';
import { signInPath } from './auth/return-to.js';
import { shouldSendToSignIn } from './auth/session-expiry.js';
import { applyPreference, readPreference } from './theme/color-scheme.js';
import { createQueryClient, createTrpcClient, TRPCProvider } from './trpc.js';
import './styles.css';

const container = document.getElementById('root');
if (container === null) throw new Error('index.html has no #root element');

// Before the first render, so a pinned dark theme never flashes light.
applyPreference(document.documentElement, readPreference(window.localStorage));

const router = createAppRouter();
const queryClient = createQueryClient((error) => {
  const { pathname, search, hash } = router.state.location;
  if (!shouldSendToSignIn(error, pathname)) return;
  // What was cached belongs to the session that ended.
  queryClient.clear();
  void router.navigate(signInPath(`${pathname}${search}${hash}`), { replace: true });
});
const trpcClient = createTrpcClient();

createRoot(container).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <RouterProvider router={router} />
      </TRPCProvider>
    </QueryClientProvider>
  </StrictMode>,
);

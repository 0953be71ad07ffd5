import { router } from './init.js';
import { systemRouter } from './routers/system.js';

export const appRouter = router({
  system: systemRouter,
});

/** The only thing the frontend and the CLI import from the backend: a type. */
export type AppRouter = typeof appRouter;

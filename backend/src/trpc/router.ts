import { router } from './init.js';
import { auditRouter } from './routers/audit.js';
import { profilesRouter } from './routers/profiles.js';
import { systemRouter } from './routers/system.js';

export const appRouter = router({
  system: systemRouter,
  profiles: profilesRouter,
  audit: auditRouter,
});

/** The only thing the frontend and the CLI import from the backend: a type. */
export type AppRouter = typeof appRouter;

import { router } from './init.js';
import { auditRouter } from './routers/audit.js';
import { casRouter } from './routers/cas.js';
import { certificatesRouter } from './routers/certificates.js';
import { keysRouter } from './routers/keys.js';
import { profilesRouter } from './routers/profiles.js';
import { systemRouter } from './routers/system.js';

export const appRouter = router({
  system: systemRouter,
  cas: casRouter,
  certificates: certificatesRouter,
  keys: keysRouter,
  profiles: profilesRouter,
  audit: auditRouter,
});

/** The only thing the frontend and the CLI import from the backend: a type. */
export type AppRouter = typeof appRouter;

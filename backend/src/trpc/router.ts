import { router } from './init.js';
import { apiTokensRouter } from './routers/api-tokens.js';
import { approvalsRouter } from './routers/approvals.js';
import { auditRouter } from './routers/audit.js';
import { authRouter } from './routers/auth.js';
import { casRouter } from './routers/cas.js';
import { certificatesRouter } from './routers/certificates.js';
import { keysRouter } from './routers/keys.js';
import { profilesRouter } from './routers/profiles.js';
import { settingsRouter } from './routers/settings.js';
import { systemRouter } from './routers/system.js';
import { usersRouter } from './routers/users.js';

export const appRouter = router({
  system: systemRouter,
  cas: casRouter,
  certificates: certificatesRouter,
  keys: keysRouter,
  profiles: profilesRouter,
  audit: auditRouter,
  auth: authRouter,
  users: usersRouter,
  apiTokens: apiTokensRouter,
  approvals: approvalsRouter,
  settings: settingsRouter,
});

/** The only thing the frontend and the CLI import from the backend: a type. */
export type AppRouter = typeof appRouter;

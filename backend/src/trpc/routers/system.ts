import { authorized, router } from '../init.js';

export const systemRouter = router({
  status: authorized('system.read').query(({ ctx }) => ctx.services.system.status()),
  /** Counts and the 90-day expiry histogram of the console's dashboard; every role reads it. */
  dashboard: authorized('certificates.read').query(({ ctx }) => ctx.services.dashboard.summary()),
});

import { authorized, router } from '../init.js';

export const profilesRouter = router({
  /** Profiles are data (pki/profiles.ts), the same for every caller. */
  list: authorized('profiles.read').query(({ ctx }) => ctx.services.pki.profiles.list()),
});

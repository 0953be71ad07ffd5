import { SetDualControlInput } from '@pki/shared';

import { authorized, router } from '../init.js';

export const settingsRouter = router({
  get: authorized('settings.read').query(({ ctx }) => ctx.services.auth.settings.get()),
  /** Turning dual control off is itself under dual control. */
  setDualControl: authorized('settings.manage')
    .input(SetDualControlInput)
    .mutation(({ ctx, input }) => ctx.services.auth.approvals.guard(ctx.request, 'settings.setDualControl', input)),
});

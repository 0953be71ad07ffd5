import { CreateUserInput, ResetPasswordInput, SetUserRoleInput, UserRefInput } from '@pki/shared';

import { authorized, router } from '../init.js';

export const usersRouter = router({
  list: authorized('users.manage').query(({ ctx }) => ctx.services.auth.users.list()),
  create: authorized('users.manage')
    .input(CreateUserInput)
    .mutation(({ ctx, input }) => ctx.services.auth.users.create(ctx.request, input)),
  setRole: authorized('users.manage')
    .input(SetUserRoleInput)
    .mutation(({ ctx, input }) => ctx.services.auth.users.setRole(ctx.request, input)),
  /** Ends all of the user's sessions at once. */
  disable: authorized('users.manage')
    .input(UserRefInput)
    .mutation(({ ctx, input }) => ctx.services.auth.users.disable(ctx.request, input)),
  enable: authorized('users.manage')
    .input(UserRefInput)
    .mutation(({ ctx, input }) => ctx.services.auth.users.enable(ctx.request, input)),
  /** The user must change it at the next sign-in. */
  resetPassword: authorized('users.manage')
    .input(ResetPasswordInput)
    .mutation(({ ctx, input }) => ctx.services.auth.users.resetPassword(ctx.request, input)),
});

import { ApiTokenRefInput, CreateApiTokenInput } from '@pki/shared';

import { authorized, router } from '../init.js';

export const apiTokensRouter = router({
  /** The secret is in this answer only. */
  create: authorized('tokens.manage')
    .input(CreateApiTokenInput)
    .mutation(({ ctx, input }) => ctx.services.auth.tokens.create(ctx.request, input)),
  list: authorized('tokens.manage').query(({ ctx }) => ctx.services.auth.tokens.list()),
  /** Refused at once from the next request on. */
  revoke: authorized('tokens.manage')
    .input(ApiTokenRefInput)
    .mutation(({ ctx, input }) => ctx.services.auth.tokens.revoke(ctx.request, input)),
});

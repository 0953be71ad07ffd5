import { ChangePasswordInput, SignInInput } from '@pki/shared';
import type { SignedInUser } from '@pki/shared';

import { authorized, publicProcedure, router } from '../init.js';

export const authRouter = router({
  /** Sets the session cookie; the same refusal whatever was wrong, 429 with Retry-After when throttled. */
  signIn: publicProcedure.input(SignInInput).mutation(async ({ ctx, input }): Promise<{ user: SignedInUser }> => {
    const signedIn = await ctx.services.auth.signIn.signIn(ctx.request, input, ctx.clientAddress);
    ctx.response.setSessionCookie(signedIn.token, signedIn.expiresAt);
    return { user: signedIn.user };
  }),
  /** Ends this session and the user's others, and clears the cookie. */
  signOut: authorized('self').mutation(async ({ ctx }) => {
    await ctx.services.auth.signIn.signOut(ctx.request);
    ctx.response.clearSessionCookie();
    return { isSignedOut: true };
  }),
  me: authorized('self').query(({ ctx }) => ctx.services.auth.users.me(ctx.request)),
  /** Ends the user's other sessions; this one stays. */
  changePassword: authorized('self')
    .input(ChangePasswordInput)
    .mutation(({ ctx, input }) => ctx.services.auth.users.changePassword(ctx.request, input)),
  /** For the sign-in page: which methods it offers. */
  methods: publicProcedure.query(({ ctx }) => ctx.services.auth.methods()),
});

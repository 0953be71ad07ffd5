/**
 * `auth.signIn` with a username and password: the rate limiter first, then the credential
 * check (the same answer and about the same time whatever is wrong), then a new session.
 * Every checked attempt is an `auth.signIn` row (success under the user's actor, failure
 * under `anonymous` with the attempted name and the account's failure count); attempts the
 * limiter refuses are counted, not written.
 */
import type { SignedInUser, SignInInput } from '@pki/shared';

import type { AuditLog } from '../audit/audit-log.js';
import { RateLimitedError, UnauthenticatedError } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import { requestContextOf } from '../request-context.js';
import type { AccessDenials } from './access-denials.js';
import type { SessionService, StartedSession } from './session-service.js';
import type { SignInLimiter } from './sign-in-limiter.js';
import type { UserService } from './user-service.js';
import { actorOfUser } from './user-service.js';

export interface SignedIn extends StartedSession {
  user: SignedInUser;
}

export class SignInService {
  constructor(
    private readonly deps: {
      users: UserService;
      sessions: SessionService;
      limiter: SignInLimiter;
      denials: AccessDenials;
      audit: AuditLog;
    },
  ) {}

  async signIn(ctx: RequestContext, input: SignInInput, clientAddress: string): Promise<SignedIn> {
    const { users, sessions, limiter, denials, audit } = this.deps;
    const retryAfterSeconds = limiter.retryAfterSeconds(input.username, clientAddress);
    if (retryAfterSeconds > 0) {
      denials.count('anonymous', 'rate limited');
      throw new RateLimitedError(retryAfterSeconds);
    }
    const user = await users.verifyCredentials(input.username, input.password);
    if (user === undefined) {
      const failures = limiter.recordFailure(input.username, clientAddress);
      await audit.record(ctx, {
        operation: 'auth.signIn',
        entityType: 'user',
        status: 'failure',
        details: { username: input.username, clientAddress, failures, errorCode: 'INVALID_CREDENTIALS' },
      });
      throw new UnauthenticatedError('Wrong username or password.', { code: 'INVALID_CREDENTIALS' });
    }
    limiter.recordSuccess(input.username);
    const principal = { kind: 'user' as const, actor: actorOfUser(user), role: user.role, userId: user.id };
    const userCtx = requestContextOf(principal, ctx.requestId);
    return audit.run(
      userCtx,
      {
        operation: 'auth.signIn',
        entityType: 'user',
        entityId: user.id,
        details: { method: 'password', clientAddress },
      },
      async (step) => {
        const session = await sessions.start(userCtx, user.id);
        await step.commit(user.id);
        return {
          ...session,
          user: { username: user.username, role: user.role, mustChangePassword: user.mustChangePassword },
        };
      },
    );
  }

  /** Ends this session and the user's others (a token has no session to end). */
  async signOut(ctx: RequestContext): Promise<void> {
    const { userId, sessionId } = ctx.principal;
    await this.deps.audit.run(ctx, { operation: 'auth.signOut', entityType: 'user', entityId: userId }, (step) =>
      step.commit(userId, () => {
        if (ctx.principal.kind !== 'user' || userId === null) return;
        if (sessionId !== undefined) this.deps.sessions.end(sessionId);
        this.deps.sessions.endOthers(userId);
      }),
    );
  }
}

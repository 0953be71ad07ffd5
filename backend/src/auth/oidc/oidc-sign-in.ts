/**
 * Sign-in through the OpenID Provider, from the first redirect to a session:
 *
 *   start    fresh state, nonce and PKCE verifier kept server-side with the return path;
 *            the browser gets the provider URL and a binding id for its cookie
 *   finish   the flow of the callback's state (once, same browser) → code exchange and ID
 *            token verification → role from the role claim → the user row of the identity
 *            (auth-core's `upsertOidcUser`, the role refreshed at every sign-in) → a session
 *
 * The identity acts as `oidc:<issuer-host>/<sub>`. A refusal once the provider has vouched
 * for the subject (an unmapped user, a disabled one) is an `auth.oidcSignIn` failure row under
 * that actor; a refusal before (a replayed or forged state, a wrong nonce, an outage) is
 * anonymous, so it goes where every anonymous refusal goes: counted, and one `auth.denied`
 * row per client address and minute (auth-core's AccessDenials), lest a flood of forged
 * callbacks become a flood of writes. A success row names the user and the role.
 */
import { randomBytes } from 'node:crypto';

import type { UserRole } from '@pki/shared';

import type { AuditLog } from '../../audit/audit-log.js';
import { auditedError } from '../../audit/audit-log.js';
import type { OidcConfig } from '../../config.js';
import { OidcSignInError } from '../../errors.js';
import type { RequestContext } from '../../request-context.js';
import { requestContextOf } from '../../request-context.js';
import type { AccessDenials } from '../access-denials.js';
import type { SessionService } from '../session-service.js';
import { actorOfUser } from '../user-service.js';
import type { UserService } from '../user-service.js';
import { hashBinding } from './flow-store.js';
import type { OidcFlowStore } from './flow-store.js';
import type { OidcClient, VerifiedIdentity } from './oidc-client.js';
import { claimValues, mapRole } from './role-mapping.js';
import { safeReturnPath } from './return-path.js';

/** auth-core's services, as far as this sign-in needs them. */
export type OidcUserDirectory = Pick<UserService, 'upsertOidcUser'>;
export type OidcSessionStarter = Pick<SessionService, 'start'>;
export type OidcAnonymousRefusals = Pick<AccessDenials, 'recordAnonymous'>;

export interface OidcSignInDependencies {
  config: OidcConfig;
  publicUrl: string;
  client: OidcClient;
  flows: OidcFlowStore;
  audit: AuditLog;
  users: OidcUserDirectory;
  sessions: OidcSessionStarter;
  denials: OidcAnonymousRefusals;
}

export interface StartedSignIn {
  /** Where to send the browser: the provider's authorization endpoint. */
  authorizationUrl: URL;
  /** The value of the flow cookie: ties the callback to this browser. */
  binding: string;
}

export interface FinishedSignIn {
  session: { token: string; expiresAt: Date };
  returnTo: string;
  actor: string;
  role: UserRole;
}

const OPERATION = 'auth.oidcSignIn';
/** How anonymous refusals name this step in the aggregated rows. */
const CALLBACK_STEP = 'auth.oidcCallback';
/** Enough of an unmapped user's claim values to see why, not a dump of their groups. */
const AUDITED_CLAIM_VALUES = 20;

export class OidcSignIn {
  readonly #deps: OidcSignInDependencies;

  constructor(deps: OidcSignInDependencies) {
    this.#deps = deps;
  }

  /** Throws OidcSignInError OIDC_UNAVAILABLE while the provider cannot be discovered. */
  async start(returnTo: unknown): Promise<StartedSignIn> {
    const { url, request } = await this.#deps.client.authorizationUrl();
    const binding = randomBytes(32).toString('base64url');
    this.#deps.flows.put({
      ...request,
      returnTo: safeReturnPath(returnTo, this.#deps.publicUrl),
      bindingHash: hashBinding(binding),
    });
    return { authorizationUrl: url, binding };
  }

  /** `callbackUrl` is our redirect URI with the provider's query; throws after recording the refusal. */
  async finish(
    ctx: RequestContext,
    callback: { url: URL; binding: string | undefined; clientAddress: string },
  ): Promise<FinishedSignIn> {
    const { url: callbackUrl, binding } = callback;
    const { config, flows, client } = this.#deps;
    let identity: VerifiedIdentity;
    let returnTo: string;
    try {
      const flow = flows.take(callbackUrl.searchParams.get('state') ?? '', binding);
      if (flow === undefined) {
        throw new OidcSignInError(
          'OIDC_STATE_INVALID',
          'This sign-in link is used, expired or from another browser; sign in again.',
        );
      }
      returnTo = flow.returnTo;
      identity = await client.verifyCallback(callbackUrl, flow);
    } catch (error) {
      this.#deps.denials.recordAnonymous(callback.clientAddress, CALLBACK_STEP, auditedError(error).errorCode);
      throw error;
    }

    const username = usernameOf(identity);
    const actor = actorOfUser({ username, oidcIssuer: identity.issuer, oidcSubject: identity.subject });
    const claim = identity.claims[config.roleClaim];
    const role = mapRole(claim, config.roleMapping);
    // Vouched for by the provider, not yet a user here: the actor without a user id or role.
    const identityCtx = requestContextOf({ kind: 'user', actor, role: role ?? null, userId: null }, ctx.requestId);
    const details = { issuer: identity.issuer, subject: identity.subject };
    if (role === undefined) {
      const error = new OidcSignInError(
        'OIDC_NO_ROLE',
        `Your account at the identity provider has no ${config.roleClaim} value that gives a role here; ask an administrator.`,
      );
      await this.#refuse(identityCtx, error, {
        ...details,
        roleClaim: config.roleClaim,
        claimValues: claimValues(claim).slice(0, AUDITED_CLAIM_VALUES),
      });
      throw error;
    }

    const session = await this.#deps.audit.run(
      identityCtx,
      { operation: OPERATION, entityType: 'user', details: { ...details, username, role } },
      async (step) => {
        const user = await this.#deps.users.upsertOidcUser(identityCtx, {
          issuer: identity.issuer,
          subject: identity.subject,
          username,
          role,
        });
        step.entityId = user.id;
        if (user.isDisabled) {
          throw new OidcSignInError('OIDC_USER_DISABLED', 'Your account here is disabled; ask an administrator.');
        }
        return this.#deps.sessions.start(identityCtx, user.id);
      },
    );
    return { session, returnTo, actor, role };
  }

  async #refuse(ctx: RequestContext, error: unknown, details: Record<string, unknown>): Promise<void> {
    await this.#deps.audit.record(ctx, {
      operation: OPERATION,
      entityType: 'user',
      status: 'failure',
      details: { ...details, ...auditedError(error) },
    });
  }
}

/** The name the user row gets: what the provider calls the user, else the subject itself. */
function usernameOf(identity: VerifiedIdentity): string {
  const { preferred_username: preferred, email } = identity.claims;
  if (typeof preferred === 'string' && preferred !== '') return preferred;
  if (typeof email === 'string' && email !== '') return email;
  return identity.subject;
}

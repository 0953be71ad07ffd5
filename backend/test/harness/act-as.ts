/**
 * The one way tests (and the bench) act as a role: a user or an API token made through the
 * real services, returned as a principal, a tRPC caller and the HTTP headers a browser or the
 * CLI would send. Nothing here bypasses authorization.
 */
import { randomBytes } from 'node:crypto';

import type { UserRole } from '@pki/shared';

import { REQUEST_HEADER } from '../../src/http/request-guard.js';
import { SESSION_COOKIE } from '../../src/http/session-cookie.js';
import type { Principal } from '../../src/request-context.js';
import { systemContext } from '../../src/request-context.js';
import type { AppServices } from '../../src/services.js';
import { createContextInner } from '../../src/trpc/context.js';
import { createCallerFactory } from '../../src/trpc/init.js';
import { appRouter } from '../../src/trpc/router.js';

const createCaller = createCallerFactory(appRouter);
const SETUP_CONTEXT = systemContext('test-setup');

export interface Actor {
  username: string;
  password: string;
  principal: Principal;
  /** Session cookie and the console's custom header, for `app.inject`. */
  headers: Record<string, string>;
  sessionToken: string;
  caller: ReturnType<typeof createCaller>;
}

export interface TokenActor {
  id: string;
  secret: string;
  principal: Principal;
  headers: Record<string, string>;
  caller: ReturnType<typeof createCaller>;
}

export function callerFor(services: AppServices, principal: Principal, requestId?: string) {
  return createCaller(createContextInner({ services, principal, ...(requestId === undefined ? {} : { requestId }) }));
}

/** A new user with `role`, signed in (a real session). */
export async function actAs(
  services: AppServices,
  role: UserRole,
  username = `${role}-${randomBytes(8).toString('hex')}`,
): Promise<Actor> {
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  await services.auth.users.create(SETUP_CONTEXT, { username, role, password });
  return signInAs(services, username, password);
}

/** A session for an existing user, through the real credential check. */
export async function signInAs(services: AppServices, username: string, password: string): Promise<Actor> {
  const signedIn = await services.auth.signIn.signIn(SETUP_CONTEXT, { username, password }, 'test-setup');
  const principal = services.auth.sessions.resolve(signedIn.token);
  if (principal === undefined) throw new Error(`the session of ${username} did not resolve`);
  return {
    username,
    password,
    principal,
    sessionToken: signedIn.token,
    headers: { cookie: `${SESSION_COOKIE}=${signedIn.token}`, [REQUEST_HEADER]: '1' },
    caller: callerFor(services, principal),
  };
}

/** An API token with `role`, created by `creator` (a new admin when not given). */
export async function tokenAs(
  services: AppServices,
  role: UserRole,
  options: { creator?: Actor; expiresInDays?: number; name?: string } = {},
): Promise<TokenActor> {
  const creator = options.creator ?? (await actAs(services, 'admin'));
  const created = await services.auth.tokens.create(
    { actor: creator.principal.actor, requestId: 'test-setup', principal: creator.principal },
    { name: options.name ?? `${role} token`, role, expiresInDays: options.expiresInDays ?? 30 },
  );
  const resolution = services.auth.tokens.resolve(created.secret);
  if (resolution.kind !== 'valid') throw new Error('a new token did not resolve');
  return {
    id: created.id,
    secret: created.secret,
    principal: resolution.principal,
    headers: { authorization: `Bearer ${created.secret}` },
    caller: callerFor(services, resolution.principal),
  };
}

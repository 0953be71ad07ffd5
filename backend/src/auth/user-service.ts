/**
 * Users: local accounts (scrypt hashes) and OIDC identities, the first-start admin, and the
 * credential check sign-in uses. Every change is audited with its actor; no row carries a
 * password or a hash.
 */
import { randomBytes, randomUUID } from 'node:crypto';

import type { Logger } from 'pino';

import type {
  ChangePasswordInput,
  CreateUserInput,
  ResetPasswordInput,
  SetUserRoleInput,
  SignedInUser,
  UserRefInput,
  UserRole,
  UserSummary,
} from '@pki/shared';

import type { AuditLog } from '../audit/audit-log.js';
import type { SessionRepository } from '../db/session-repository.js';
import type { UserRecord, UserRepository } from '../db/user-repository.js';
import { ConflictError, ForbiddenError, NotFoundError, PolicyError, UnauthenticatedError } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password-hashing.js';
import { assertAcceptablePassword } from './password-policy.js';

export interface UserServiceDeps {
  users: UserRepository;
  sessions: SessionRepository;
  audit: AuditLog;
  now: () => Date;
}

export interface OidcIdentity {
  issuer: string;
  subject: string;
  username: string;
  role: UserRole;
}

/** The actor of a user's sessions: `oidc:<issuer-host>/<sub>` for an OIDC identity. */
export function actorOfUser(user: Pick<UserRecord, 'username' | 'oidcIssuer' | 'oidcSubject'>): string {
  if (user.oidcIssuer !== null && user.oidcSubject !== null) {
    return `oidc:${new URL(user.oidcIssuer).host}/${user.oidcSubject}`;
  }
  return `user:${user.username}`;
}

export function toUserSummary(user: UserRecord): UserSummary {
  return {
    username: user.username,
    role: user.role,
    isDisabled: user.isDisabled,
    mustChangePassword: user.mustChangePassword,
    oidcIssuer: user.oidcIssuer,
    createdAt: user.createdAt.toISOString(),
  };
}

export class UserService {
  constructor(private readonly deps: UserServiceDeps) {}

  list(): UserSummary[] {
    return this.deps.users.list().map(toUserSummary);
  }

  /** The signed-in user (a token answers with its role under its creator's name). */
  me(ctx: RequestContext): SignedInUser & { actor: string; kind: string } {
    const { principal } = ctx;
    const user = principal.userId === null ? undefined : this.deps.users.findById(principal.userId);
    if (user === undefined || principal.role === null) throw new UnauthenticatedError();
    return {
      username: user.username,
      role: principal.role,
      mustChangePassword: principal.kind === 'user' && user.mustChangePassword,
      actor: principal.actor,
      kind: principal.kind,
    };
  }

  findById(id: string): UserRecord | undefined {
    return this.deps.users.findById(id);
  }

  async create(ctx: RequestContext, input: CreateUserInput): Promise<UserSummary> {
    const { audit, users, now } = this.deps;
    return audit.run(
      ctx,
      { operation: 'user.create', entityType: 'user', details: { username: input.username, role: input.role } },
      async (step) => {
        assertAcceptablePassword(input.password, input.username);
        if (users.findByUsername(input.username) !== undefined) {
          throw new ConflictError(`username: ${JSON.stringify(input.username)} is taken`, { code: 'USERNAME_TAKEN' });
        }
        const passwordHash = await hashPassword(input.password);
        const id = randomUUID();
        const user = await step.commit(id, () =>
          users.insert({ id, username: input.username, role: input.role, passwordHash }, now()),
        );
        return toUserSummary(user);
      },
    );
  }

  async setRole(ctx: RequestContext, input: SetUserRoleInput): Promise<UserSummary> {
    return this.#change(ctx, 'user.setRole', input.username, { role: input.role }, (user) => {
      if (user.role === 'admin' && input.role !== 'admin') this.#assertNotLastAdmin(user);
      return { role: input.role };
    });
  }

  /** Ends every session of the user at once, in the same transaction. */
  async disable(ctx: RequestContext, input: UserRefInput): Promise<UserSummary> {
    return this.#change(ctx, 'user.disable', input.username, {}, (user) => {
      if (user.id === ctx.principal.userId) {
        throw new PolicyError('username: you cannot disable yourself', { code: 'CANNOT_DISABLE_SELF' });
      }
      if (user.role === 'admin') this.#assertNotLastAdmin(user);
      return { isDisabled: true };
    });
  }

  async enable(ctx: RequestContext, input: UserRefInput): Promise<UserSummary> {
    return this.#change(ctx, 'user.enable', input.username, {}, () => ({ isDisabled: false }));
  }

  /** An admin sets a password: the user must change it at the next sign-in, and is signed out now. */
  async resetPassword(ctx: RequestContext, input: ResetPasswordInput): Promise<UserSummary> {
    assertAcceptablePassword(input.password, input.username);
    const passwordHash = await hashPassword(input.password);
    return this.#change(ctx, 'user.resetPassword', input.username, {}, (user) => {
      if (user.oidcIssuer !== null) {
        throw new PolicyError('username: an OIDC user signs in at the identity provider and has no password', {
          code: 'OIDC_USER_HAS_NO_PASSWORD',
        });
      }
      return { passwordHash, mustChangePassword: true };
    });
  }

  /** The signed-in user's own change: checks the current password, ends the user's other sessions. */
  async changePassword(ctx: RequestContext, input: ChangePasswordInput): Promise<UserSummary> {
    const { audit, users, sessions, now } = this.deps;
    const userId = ctx.principal.userId;
    return audit.run(ctx, { operation: 'auth.changePassword', entityType: 'user', entityId: userId }, async (step) => {
      const user = userId === null ? undefined : users.findById(userId);
      if (user === undefined || ctx.principal.kind !== 'user') {
        throw new ForbiddenError('Only a signed-in user can change their password.');
      }
      const isCurrent = user.passwordHash !== null && (await verifyPassword(input.currentPassword, user.passwordHash));
      if (!isCurrent) {
        throw new UnauthenticatedError('currentPassword: wrong password', { code: 'INVALID_CREDENTIALS' });
      }
      assertAcceptablePassword(input.newPassword, user.username);
      if (await verifyPassword(input.newPassword, user.passwordHash ?? '')) {
        throw new PolicyError('newPassword: choose a password different from the current one', {
          code: 'PASSWORD_UNCHANGED',
        });
      }
      const passwordHash = await hashPassword(input.newPassword);
      const updated = await step.commit(user.id, () => {
        sessions.deleteForUser(user.id, ctx.principal.sessionId);
        return users.update(user.id, { passwordHash, mustChangePassword: false }, now());
      });
      return toUserSummary(updated ?? user);
    });
  }

  /**
   * Creates or updates the user row of an OIDC identity: no password, the role from the
   * claims at every sign-in. A disabled row stays disabled.
   */
  async upsertOidcUser(ctx: RequestContext, identity: OidcIdentity): Promise<UserRecord> {
    const { audit, users, now } = this.deps;
    const existing = users.findByOidcIdentity(identity.issuer, identity.subject);
    if (existing !== undefined && existing.role === identity.role && existing.username === identity.username) {
      return existing;
    }
    const details = {
      issuer: identity.issuer,
      subject: identity.subject,
      username: identity.username,
      role: identity.role,
    };
    return audit.run(ctx, { operation: 'user.upsertOidc', entityType: 'user', details }, async (step) => {
      const holder = users.findByUsername(identity.username);
      if (holder !== undefined && holder.id !== existing?.id) {
        throw new ConflictError(`username: ${JSON.stringify(identity.username)} is taken by another user`, {
          code: 'USERNAME_TAKEN',
        });
      }
      if (existing !== undefined) {
        const updated = await step.commit(existing.id, () =>
          users.update(existing.id, { role: identity.role, username: identity.username }, now()),
        );
        return updated ?? existing;
      }
      const id = randomUUID();
      return step.commit(id, () =>
        users.insert(
          {
            id,
            username: identity.username,
            role: identity.role,
            oidcIssuer: identity.issuer,
            oidcSubject: identity.subject,
          },
          now(),
        ),
      );
    });
  }

  /**
   * The user whose password this is, or undefined: the same answer, and about the same time
   * (a hash is always computed), for an unknown user, a disabled one, an OIDC one and a wrong
   * password.
   */
  async verifyCredentials(username: string, password: string): Promise<UserRecord | undefined> {
    const user = this.deps.users.findByUsername(username);
    const hash = user?.passwordHash ?? (await dummyPasswordHash());
    const isMatch = await verifyPassword(password, hash);
    return isMatch && user !== undefined && user.passwordHash !== null && !user.isDisabled ? user : undefined;
  }

  /**
   * First start with no users: `admin` with PKI_ADMIN_PASSWORD, or with a random one-time
   * password logged once, which must be changed at first sign-in.
   */
  async ensureFirstAdmin(ctx: RequestContext, configuredPassword: string | undefined, log: Logger): Promise<void> {
    if (this.deps.users.count() > 0) return;
    const isGenerated = configuredPassword === undefined;
    const password = configuredPassword ?? randomBytes(18).toString('base64url');
    const passwordHash = await hashPassword(password);
    const id = randomUUID();
    await this.deps.audit.run(
      ctx,
      {
        operation: 'user.create',
        entityType: 'user',
        details: { username: 'admin', role: 'admin', isFirstAdmin: true },
      },
      (step) =>
        step.commit(id, () =>
          this.deps.users.insert(
            { id, username: 'admin', role: 'admin', passwordHash, mustChangePassword: isGenerated },
            this.deps.now(),
          ),
        ),
    );
    if (isGenerated) {
      // The one place a password is logged, on purpose: it is useless once changed, which sign-in demands.
      log.warn(
        { username: 'admin', oneTimePassword: password },
        'first start: created user "admin" with this one-time password; sign in and change it',
      );
    } else {
      log.info({ username: 'admin' }, 'first start: created user "admin" with PKI_ADMIN_PASSWORD');
    }
  }

  #assertNotLastAdmin(user: UserRecord): void {
    if (!user.isDisabled && this.deps.users.countEnabledAdmins() <= 1) {
      throw new PolicyError('username: this is the last enabled admin; make another admin first', {
        code: 'LAST_ADMIN',
      });
    }
  }

  async #change(
    ctx: RequestContext,
    operation: string,
    username: string,
    details: Record<string, unknown>,
    decide: (
      user: UserRecord,
    ) => Partial<Pick<UserRecord, 'role' | 'isDisabled' | 'passwordHash' | 'mustChangePassword'>>,
  ): Promise<UserSummary> {
    const { audit, users, sessions, now } = this.deps;
    return audit.run(ctx, { operation, entityType: 'user', details: { username, ...details } }, async (step) => {
      const user = users.findByUsername(username);
      if (user === undefined) throw new NotFoundError(`username: no user ${JSON.stringify(username)}`);
      const changes = decide(user);
      const updated = await step.commit(user.id, () => {
        // A role change needs no sign-out: sessions read the role from the user row per request.
        if (changes.isDisabled === true || changes.passwordHash !== undefined) {
          sessions.deleteForUser(user.id);
        }
        return users.update(user.id, changes, now());
      });
      return toUserSummary(updated ?? user);
    });
  }
}

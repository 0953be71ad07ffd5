/**
 * The access-control services, built once by app.ts: users, sessions, API tokens, sign-in
 * (with its rate limiter), refusals, settings and dual control. `operations` tells dual
 * control how to run each approvable operation with the existing services.
 */
import type { Logger } from 'pino';

import type { AuditLog } from '../audit/audit-log.js';
import type { AuthConfig } from '../config.js';
import { ApiTokenRepository } from '../db/api-token-repository.js';
import { ApprovalRepository } from '../db/approval-repository.js';
import type { DatabaseHandle } from '../db/client.js';
import { SessionRepository } from '../db/session-repository.js';
import { SettingsRepository } from '../db/settings-repository.js';
import { UserRepository } from '../db/user-repository.js';
import type { ConfirmedKeyDestruction } from '../keys/confirmed-destruction.js';
import type { PkiServices } from '../pki/index.js';
import { AccessDenials } from './access-denials.js';
import { ApiTokenService } from './api-token-service.js';
import { ApprovalService } from './approval-service.js';
import { Authenticator } from './authenticator.js';
import { SessionService } from './session-service.js';
import { SettingsService } from './settings-service.js';
import { SignInLimiter } from './sign-in-limiter.js';
import { SignInService } from './sign-in-service.js';
import { loadOrCreateTokenKey } from './token-key.js';
import { UserService } from './user-service.js';

export { AccessDenials } from './access-denials.js';
export type { DenialCounts } from './access-denials.js';

export interface AuthServices {
  users: UserService;
  sessions: SessionService;
  tokens: ApiTokenService;
  signIn: SignInService;
  denials: AccessDenials;
  settings: SettingsService;
  approvals: ApprovalService;
  authenticator: Authenticator;
  /** For the sign-in page (auth.methods). */
  methods(): SignInMethods;
  close(): Promise<void>;
}

export interface SignInMethods {
  isPasswordEnabled: true;
  /** Set when OpenID Connect sign-in is configured: the button's name. */
  oidc: { name: string } | null;
}

export interface AuthServicesOptions {
  database: DatabaseHandle;
  audit: AuditLog;
  config: AuthConfig;
  dataDir: string;
  log: Logger;
  pki: PkiServices;
  keyDestruction: ConfirmedKeyDestruction;
  /** The OIDC sign-in's display name, when configured (auth/oidc/). */
  oidcName?: string;
  now?: () => Date;
}

export function createAuthServices(options: AuthServicesOptions): AuthServices {
  const { database, audit, config, pki, keyDestruction } = options;
  const now = options.now ?? (() => new Date());
  const log = options.log.child({ component: 'auth' });
  const userRows = new UserRepository(database);
  const sessionRows = new SessionRepository(database);
  const sessions = new SessionService({
    sessions: sessionRows,
    idleSeconds: config.sessionIdleSeconds,
    maxSeconds: config.sessionMaxSeconds,
    now,
  });
  const users = new UserService({ users: userRows, sessions: sessionRows, audit, now });
  const tokens = new ApiTokenService({
    tokens: new ApiTokenRepository(database),
    audit,
    key: loadOrCreateTokenKey(options.dataDir),
    now,
  });
  const denials = new AccessDenials({ audit, log, now });
  const settings = new SettingsService({ settings: new SettingsRepository(database), users: userRows, audit, now });
  const approvals = new ApprovalService({
    approvals: new ApprovalRepository(database),
    isDualControlEnabled: () => settings.isDualControlEnabled(),
    audit,
    ttlSeconds: config.approvalTtlSeconds,
    now,
    operations: {
      'keys.destroy': {
        permission: 'keys.manage',
        needsApproval: () => true,
        execute: (ctx, input) => keyDestruction.destroy(ctx, input),
      },
      'keys.revoke': {
        permission: 'keys.manage',
        // Forcing past a CA key's live certificates; a plain revocation is refused by the service then.
        needsApproval: (input) => input.isForced === true,
        execute: (ctx, input) => pki.keys.revokeKey(ctx, input),
      },
      'cas.revoke': {
        permission: 'cas.manage',
        needsApproval: () => true,
        execute: (ctx, input) => pki.cas.revoke(ctx, input),
      },
      'settings.setDualControl': {
        permission: 'settings.manage',
        needsApproval: (input) => !input.isEnabled,
        execute: (ctx, input) => settings.setDualControl(ctx, input),
      },
    },
  });
  const limiter = new SignInLimiter(now);
  return {
    users,
    sessions,
    tokens,
    signIn: new SignInService({ users, sessions, limiter, denials, audit }),
    denials,
    settings,
    approvals,
    authenticator: new Authenticator({ sessions, tokens }),
    methods: () => ({
      isPasswordEnabled: true,
      oidc: options.oidcName === undefined ? null : { name: options.oidcName },
    }),
    close: () => denials.close(),
  };
}

/**
 * API tokens for machines: `Authorization: Bearer pki_<id>_<secret>`. The secret (32 random
 * bytes) is shown once; the database keeps HMAC-SHA-256(secret) under the server's token key
 * (token-key.ts): a fast keyed hash, since a high-entropy secret needs no slow hash and a
 * slow one would cost every request. A token's role never ranks above its creator's, it
 * expires within a year, and its last use is written at most once a minute.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import type { ApiTokenRefInput, ApiTokenSummary, CreateApiTokenInput, UserRole } from '@pki/shared';

import type { AuditLog } from '../audit/audit-log.js';
import type { ApiTokenRecord, ApiTokenRepository } from '../db/api-token-repository.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { Principal, RequestContext } from '../request-context.js';
import { isRoleWithin } from './permissions.js';
import { actorOfUser } from './user-service.js';

const TOKEN_PATTERN = /^pki_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const TOUCH_INTERVAL_MS = 60_000;

export interface CreatedApiToken {
  id: string;
  /** The whole bearer value, `pki_<id>_<secret>`; never stored, shown once. */
  secret: string;
  name: string;
  role: UserRole;
  expiresAt: string;
}

/** What a bearer value turned out to be. */
export type TokenResolution =
  | { kind: 'valid'; principal: Principal }
  /** A real token (the secret matched) that may no longer be used: refused with an audit row. */
  | { kind: 'refused'; actor: string; reason: string }
  /** Malformed, unknown id or wrong secret: an anonymous caller. */
  | { kind: 'invalid' };

export interface ApiTokenServiceDeps {
  tokens: ApiTokenRepository;
  audit: AuditLog;
  key: Buffer;
  now: () => Date;
}

export class ApiTokenService {
  constructor(private readonly deps: ApiTokenServiceDeps) {}

  async create(ctx: RequestContext, input: CreateApiTokenInput): Promise<CreatedApiToken> {
    const { audit, tokens, now } = this.deps;
    const details = { name: input.name, role: input.role, expiresInDays: input.expiresInDays };
    return audit.run(ctx, { operation: 'apiToken.create', entityType: 'api_token', details }, async (step) => {
      const { principal } = ctx;
      // A token minting tokens would outlive its own revocation.
      if (principal.kind !== 'user' || principal.userId === null || principal.role === null) {
        throw new ForbiddenError('Only a signed-in user can create API tokens.', { code: 'TOKEN_CREATOR_NOT_USER' });
      }
      if (!isRoleWithin(input.role, principal.role)) {
        throw new ForbiddenError(`role: a token cannot have more rights than its creator (${principal.role})`, {
          code: 'TOKEN_ROLE_ABOVE_CREATOR',
        });
      }
      const id = randomBytes(8).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      const createdAt = now();
      const expiresAt = new Date(createdAt.getTime() + input.expiresInDays * 86_400_000);
      const creatorId = principal.userId;
      await step.commit(id, () =>
        tokens.insert({
          id,
          name: input.name,
          role: input.role,
          secretHash: this.#hash(secret),
          createdBy: creatorId,
          createdAt,
          expiresAt,
        }),
      );
      return {
        id,
        secret: `pki_${id}_${secret}`,
        name: input.name,
        role: input.role,
        expiresAt: expiresAt.toISOString(),
      };
    });
  }

  list(): ApiTokenSummary[] {
    return this.deps.tokens.list().map(({ token, creator }) => toSummary(token, actorOfUser(creator)));
  }

  async revoke(ctx: RequestContext, input: ApiTokenRefInput): Promise<ApiTokenSummary> {
    const { audit, tokens, now } = this.deps;
    return audit.run(
      ctx,
      { operation: 'apiToken.revoke', entityType: 'api_token', entityId: input.id },
      async (step) => {
        const found = tokens.findWithCreator(input.id);
        if (found === undefined) throw new NotFoundError(`id: no API token ${JSON.stringify(input.id)}`);
        const revoked =
          found.token.revokedAt === null
            ? await step.commit(input.id, () => tokens.revoke(input.id, now()))
            : found.token;
        return toSummary(revoked ?? found.token, actorOfUser(found.creator));
      },
    );
  }

  /** Checks a bearer value: one HMAC and one indexed read, no slow hash. */
  resolve(bearer: string): TokenResolution {
    const match = TOKEN_PATTERN.exec(bearer);
    if (match === null) return { kind: 'invalid' };
    const [, id = '', secret = ''] = match;
    const found = this.deps.tokens.findWithCreator(id);
    if (found === undefined) return { kind: 'invalid' };
    const { token, creator } = found;
    const expected = Buffer.from(token.secretHash, 'hex');
    const actual = Buffer.from(this.#hash(secret), 'hex');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return { kind: 'invalid' };
    const actor = `token:${id}`;
    const now = this.deps.now();
    if (token.revokedAt !== null) return { kind: 'refused', actor, reason: 'token revoked' };
    if (now.getTime() >= token.expiresAt.getTime()) return { kind: 'refused', actor, reason: 'token expired' };
    if (creator.isDisabled) return { kind: 'refused', actor, reason: 'token creator disabled' };
    if (token.lastUsedAt === null || now.getTime() - token.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
      this.deps.tokens.touch(id, now);
    }
    return { kind: 'valid', principal: { kind: 'token', actor, role: token.role, userId: creator.id, tokenId: id } };
  }

  #hash(secret: string): string {
    return createHmac('sha256', this.deps.key).update(secret).digest('hex');
  }
}

function toSummary(token: ApiTokenRecord, createdBy: string): ApiTokenSummary {
  const iso = (date: Date | null) => (date === null ? null : date.toISOString());
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    createdBy,
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt.toISOString(),
    lastUsedAt: iso(token.lastUsedAt),
    revokedAt: iso(token.revokedAt),
  };
}

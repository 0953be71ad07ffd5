/**
 * Server-side sessions: the cookie carries an opaque random token, the database only its
 * SHA-256. A session ends at its absolute expiry (PKI_SESSION_MAX from sign-in) or after
 * PKI_SESSION_IDLE without use, whichever comes first; every sign-in makes a new one (no
 * fixation). The cookie itself is written only by http/session-cookie.ts.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

import type { SessionRepository } from '../db/session-repository.js';
import type { RequestContext, Principal } from '../request-context.js';
import { actorOfUser } from './user-service.js';

/** A session's last use is written at most this often, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;

export interface SessionServiceDeps {
  sessions: SessionRepository;
  idleSeconds: number;
  maxSeconds: number;
  now: () => Date;
}

export interface StartedSession {
  token: string;
  expiresAt: Date;
  sessionId: string;
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class SessionService {
  constructor(private readonly deps: SessionServiceDeps) {}

  /** A new session for the user; the caller audits the sign-in it belongs to. */
  async start(_ctx: RequestContext, userId: string): Promise<StartedSession> {
    const now = this.deps.now();
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.deps.maxSeconds * 1000);
    const sessionId = randomUUID();
    this.deps.sessions.deleteExpired(now);
    this.deps.sessions.insert({
      id: sessionId,
      userId,
      tokenHash: hashSessionToken(token),
      createdAt: now,
      expiresAt,
      lastUsedAt: now,
    });
    return { token, expiresAt, sessionId };
  }

  /** The principal of a live session, or undefined (unknown, expired, idle, or its user disabled). */
  resolve(token: string): Principal | undefined {
    const found = this.deps.sessions.findByTokenHash(hashSessionToken(token));
    if (found === undefined) return undefined;
    const { session, user } = found;
    const now = this.deps.now().getTime();
    const lastUsed = (session.lastUsedAt ?? session.createdAt).getTime();
    if (user.isDisabled || now >= session.expiresAt.getTime() || now - lastUsed >= this.deps.idleSeconds * 1000) {
      this.deps.sessions.delete(session.id);
      return undefined;
    }
    if (now - lastUsed >= TOUCH_INTERVAL_MS) this.deps.sessions.touch(session.id, new Date(now));
    return {
      kind: 'user',
      actor: actorOfUser(user),
      role: user.role,
      userId: user.id,
      sessionId: session.id,
      mustChangePassword: user.mustChangePassword,
    };
  }

  end(sessionId: string): boolean {
    return this.deps.sessions.delete(sessionId);
  }

  /** Ends every session of the user except `keepSessionId`; returns how many ended. */
  endOthers(userId: string, keepSessionId?: string): number {
    return this.deps.sessions.deleteForUser(userId, keepSessionId);
  }
}

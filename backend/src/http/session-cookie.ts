/**
 * The session cookie, written only here: `pki_session`, HttpOnly, SameSite=Strict, Path=/,
 * and Secure when the public URL is https (TLS ends in front of us, so the request's own
 * scheme says nothing). The value is the opaque session token (auth/session-service.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

// `server.services` is declared on FastifyInstance in app.ts; importing its types here keeps
// that augmentation in programs that reach this file only through the router (the frontend).
import type {} from '../app.js';

export const SESSION_COOKIE = 'pki_session';

function attributes(reply: FastifyReply): string {
  const isSecure = reply.server.services.publicUrl.startsWith('https://');
  return `HttpOnly; SameSite=Strict; Path=/${isSecure ? '; Secure' : ''}`;
}

function append(reply: FastifyReply, cookie: string): void {
  const existing = reply.getHeader('set-cookie');
  const values = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  void reply.header('set-cookie', [...values, cookie]);
}

export function setSessionCookie(reply: FastifyReply, token: string, expiresAt: Date): void {
  append(reply, `${SESSION_COOKIE}=${token}; Expires=${expiresAt.toUTCString()}; ${attributes(reply)}`);
}

export function clearSessionCookie(reply: FastifyReply): void {
  append(reply, `${SESSION_COOKIE}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; ${attributes(reply)}`);
}

/** The session token of a request, if it carries the cookie. */
export function sessionTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === SESSION_COOKIE) {
      const value = part.slice(separator + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

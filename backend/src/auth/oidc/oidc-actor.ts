/**
 * The actor an OIDC identity's rows and sessions carry: `oidc:<issuer-host>/<sub>`. The
 * subject is unique only within its issuer, so the issuer's host (and port) is part of it.
 */
export function oidcActor(issuer: string, subject: string): string {
  return `oidc:${new URL(issuer).host}/${subject}`;
}

/**
 * Where the console sends a signed-out user and where it brings them back. Only same-origin
 * paths are followed: a `returnTo` is user input (it arrives in the URL), and following
 * `//evil.example` or `https://…` would make the sign-in page an open redirect.
 */
export const SIGN_IN_PATH = '/sign-in';

const HOME_PATH = '/';

export function safeReturnTo(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return HOME_PATH;
  // "/x" is a path; "//host" and "/\host" are read by browsers as another origin.
  const isSameOriginPath = value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\');
  // Control characters (tabs, newlines) are stripped by URL parsers and can hide a "//".
  const hasControlCharacters = [...value].some((character) => character.charCodeAt(0) < 0x20);
  if (!isSameOriginPath || hasControlCharacters) return HOME_PATH;
  // Coming back to the sign-in page itself after signing in would be a loop.
  if (value === SIGN_IN_PATH || value.startsWith(`${SIGN_IN_PATH}?`)) return HOME_PATH;
  return value;
}

/** The sign-in page, remembering where the user was (the dashboard needs no reminder). */
export function signInPath(returnTo: string): string {
  const target = safeReturnTo(returnTo);
  return target === HOME_PATH ? SIGN_IN_PATH : `${SIGN_IN_PATH}?returnTo=${encodeURIComponent(target)}`;
}

/** The backend's OpenID Connect start route; it redirects to the identity provider. */
export function oidcStartPath(returnTo: string): string {
  return `/auth/oidc/start?returnTo=${encodeURIComponent(safeReturnTo(returnTo))}`;
}

/**
 * Where the browser lands after sign-in. Only a path on our own origin: anything else
 * (another origin, `//host`, `/\host`, a scheme, control characters) would make our
 * sign-in an open redirect, and falls back to the console's home page.
 */
const HOME = '/';

export function safeReturnPath(returnTo: unknown, publicUrl: string): string {
  if (typeof returnTo !== 'string' || !returnTo.startsWith('/') || returnTo.length > 2048) return HOME;
  // Browsers read "\" as "/" and drop tabs and newlines, so "/\evil" and "/\t/evil" are other hosts.
  const hasControlCharacter = [...returnTo].some((character) => character < ' ' || character === '\u007f');
  if (hasControlCharacter || returnTo.includes('\\') || returnTo.startsWith('//')) return HOME;
  const origin = new URL(publicUrl).origin;
  let target: URL;
  try {
    target = new URL(returnTo, origin);
  } catch {
    return HOME;
  }
  if (target.origin !== origin) return HOME;
  return `${target.pathname}${target.search}${target.hash}`;
}

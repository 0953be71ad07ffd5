/**
 * Password hashes with node:crypto scrypt at one of OWASP's equivalent parameter sets
 * (N=2^14, r=8, p=5: 16 MiB per hash; the Password Storage Cheat Sheet lists it beside
 * N=2^17, r=8, p=1, which needs 128 MiB and is slower here for the same work). scrypt runs on
 * libuv's thread pool, off the event loop. The stored form names its parameters, so they
 * can be raised later and old hashes still verify:
 *
 *     scrypt$<N>$<r>$<p>$<salt base64url>$<hash base64url>
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

interface ScryptParameters {
  N: number;
  r: number;
  p: number;
}

const PARAMETERS: ScryptParameters = { N: 2 ** 14, r: 8, p: 5 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Room for the parameters above and for a later raise to N=2^17. */
const MAX_MEMORY = 256 * 1024 * 1024;

function derive(password: string, salt: Buffer, parameters: ScryptParameters): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...parameters, maxmem: MAX_MEMORY }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, PARAMETERS);
  const { N, r, p } = PARAMETERS;
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time comparison of the derived keys; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  if (![N, r, p].every(Number.isSafeInteger) || expected.length !== KEY_LENGTH) return false;
  const actual = await derive(password, salt, { N, r, p });
  return timingSafeEqual(actual, expected);
}

let dummyHash: Promise<string> | undefined;

/**
 * A hash of a random password, to verify against when the user is unknown or has no
 * password: the answer then takes as long as for a wrong password (no user enumeration).
 */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(18).toString('base64url'));
  return dummyHash;
}

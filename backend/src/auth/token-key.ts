/**
 * The server's key for API token hashes (HMAC-SHA-256): 32 random bytes in
 * `${PKI_DATA_DIR}/token-hmac.key` (0600), made at first start. It lives beside the database,
 * not in it, so a copy of the database alone cannot test guesses of a token's secret offline.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const KEY_FILE = 'token-hmac.key';
const KEY_LENGTH = 32;

export function loadOrCreateTokenKey(dataDir: string): Buffer {
  const path = join(dataDir, KEY_FILE);
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (key.length !== KEY_LENGTH) throw new Error(`${path}: expected ${KEY_LENGTH} bytes in base64`);
    return key;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(KEY_LENGTH);
  // 'wx': two processes starting at once must not overwrite each other's key.
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return key;
}

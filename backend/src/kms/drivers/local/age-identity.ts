/**
 * The X25519 age identity that seals the `local` driver's private keys. It lives in
 * `${PKI_DATA_DIR}/kms/identity.age` in age-keygen's format, so an operator can open a
 * sealed key with the stock tool: `age -d -i identity.age sealed.age`.
 */
import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import type { Logger } from 'pino';

import { KmsUnavailable } from '../../kmip/errors.js';

export const IDENTITY_FILE_NAME = 'identity.age';

export interface AgeIdentity {
  /** `AGE-SECRET-KEY-1…`; never logged. */
  readonly secretKey: string;
  /** `age1…`, safe to show. */
  readonly recipient: string;
  readonly path: string;
}

/** Reads the identity, creating the directory (0700) and the file (0600) on first start. */
export async function loadOrCreateAgeIdentity(kmsDir: string, log: Logger): Promise<AgeIdentity> {
  const path = join(kmsDir, IDENTITY_FILE_NAME);
  await mkdir(kmsDir, { recursive: true, mode: 0o700 });

  let secretKey = await readIdentityIfPresent(path);
  if (secretKey === undefined) {
    secretKey = await createIdentityFile(kmsDir, path);
    log.info({ path }, 'created the local key store identity');
  } else {
    await warnIfReadableByOthers(path, log);
  }
  return { secretKey, recipient: await identityToRecipient(secretKey), path };
}

async function readIdentityIfPresent(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KmsUnavailable(
      `cannot read the local key store identity ${path}`,
      { operation: 'open' },
      { cause: error },
    );
  }
  const line = text.split(/\r?\n/).find((candidate) => candidate.startsWith('AGE-SECRET-KEY-1'));
  if (line === undefined) {
    throw new KmsUnavailable(`${path} holds no AGE-SECRET-KEY-1 line; it is not an age X25519 identity`, {
      operation: 'open',
    });
  }
  return line.trim();
}

/**
 * Written under a temporary name and hard-linked into place, so a second process starting
 * at the same moment either wins the link or reads the complete file of the winner:
 * never a half-written identity, never two identities.
 */
async function createIdentityFile(kmsDir: string, path: string): Promise<string> {
  // mkdir's mode is filtered by the umask and ignored for an existing directory.
  await chmod(kmsDir, 0o700);
  const secretKey = await generateX25519Identity();
  const recipient = await identityToRecipient(secretKey);
  const content = `# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${secretKey}\n`;
  const temporaryPath = join(kmsDir, `.${IDENTITY_FILE_NAME}.${randomUUID()}`);
  await writeFile(temporaryPath, content, { mode: 0o600, flag: 'wx' });
  await chmod(temporaryPath, 0o600);
  try {
    await link(temporaryPath, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readIdentityIfPresent(path);
    if (winner === undefined) throw error;
    return winner;
  } finally {
    await unlink(temporaryPath);
  }
  return secretKey;
}

async function warnIfReadableByOthers(path: string, log: Logger): Promise<void> {
  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) {
    log.warn(
      { path, mode: `0${(mode & 0o777).toString(8)}` },
      'the local key store identity is readable by other users; chmod 600 it',
    );
  }
}

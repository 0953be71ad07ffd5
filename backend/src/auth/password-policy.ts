/**
 * What a new password must be: at least MIN_PASSWORD_LENGTH characters (shared/auth.ts),
 * not the username, and not on the common-password list of @zxcvbn-ts/language-common
 * (its `passwords-common` dictionary: the most frequent passwords of public breach corpora).
 */
import { dictionary } from '@zxcvbn-ts/language-common';

import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '@pki/shared';

import { PolicyError } from '../errors.js';

let commonPasswords: ReadonlySet<string> | undefined;

function isCommon(password: string): boolean {
  commonPasswords ??= new Set(dictionary['passwords-common'].map((entry) => entry.toLowerCase()));
  return commonPasswords.has(password.toLowerCase());
}

export function assertAcceptablePassword(password: string, username: string): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new PolicyError(`password: expected ${MIN_PASSWORD_LENGTH}–${MAX_PASSWORD_LENGTH} characters`, {
      code: 'PASSWORD_TOO_SHORT',
    });
  }
  if (password.toLowerCase() === username.toLowerCase() || isCommon(password)) {
    throw new PolicyError('password: too common or too easy to guess; choose another', { code: 'PASSWORD_TOO_COMMON' });
  }
}

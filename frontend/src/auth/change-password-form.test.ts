import { describe, expect, it } from 'vitest';

import { MIN_PASSWORD_LENGTH } from '@pki/shared';

import { checkNewPassword } from './change-password-form.js';

const current = 'the one-time password';
const strong = 'a-new-and-long-passphrase';

describe('checkNewPassword', () => {
  it('accepts a long new password typed twice', () => {
    expect(checkNewPassword({ currentPassword: current, newPassword: strong, confirmation: strong })).toBeUndefined();
  });

  it('says what is wrong before asking the server', () => {
    const short = 'x'.repeat(MIN_PASSWORD_LENGTH - 1);
    expect(checkNewPassword({ currentPassword: current, newPassword: short, confirmation: short })).toBe(
      `The new password needs at least ${MIN_PASSWORD_LENGTH} characters.`,
    );
    expect(checkNewPassword({ currentPassword: current, newPassword: strong, confirmation: `${strong}!` })).toBe(
      'The two new passwords differ.',
    );
    expect(checkNewPassword({ currentPassword: strong, newPassword: strong, confirmation: strong })).toBe(
      'The new password must differ from the current one.',
    );
  });
});

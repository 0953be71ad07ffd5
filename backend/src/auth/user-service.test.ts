/**
 * Users on the real app: the first-start admin (a one-time password logged once, which
 * must be changed before anything but auth.me/signOut/changePassword works; or
 * PKI_ADMIN_PASSWORD), the password policy, and API tokens (role no higher than the
 * creator's, refused at once when revoked, last use written at most once a minute).
 */
import { afterEach, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { capturingLogger } from '../../test/harness/temp-local-store.js';
import { systemContext } from '../request-context.js';
import { actAs, signInAs, tokenAs } from '../../test/harness/act-as.js';

let testApp: TestApp | undefined;
afterEach(async () => {
  await testApp?.close();
  testApp = undefined;
});

describe('the first-start admin', () => {
  it('gets a one-time password, logged once, that must be changed before anything else', async () => {
    const { log, lines } = capturingLogger();
    testApp = await buildTestApp({}, { logger: log });
    const line = lines.find((entry) => entry.msg.startsWith('first start: created user "admin"')) as
      { oneTimePassword?: string } | undefined;
    const oneTimePassword = line?.oneTimePassword ?? '';
    expect(oneTimePassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(lines.filter((entry) => JSON.stringify(entry).includes(oneTimePassword))).toHaveLength(1);

    const admin = await signInAs(testApp.app.services, 'admin', oneTimePassword);
    expect(await admin.caller.auth.me()).toMatchObject({ username: 'admin', role: 'admin', mustChangePassword: true });
    await expect(admin.caller.cas.list()).rejects.toMatchObject({
      code: 'FORBIDDEN',
      cause: { code: 'PASSWORD_CHANGE_REQUIRED' },
    });
    await admin.caller.auth.changePassword({
      currentPassword: oneTimePassword,
      newPassword: 'my own admin passphrase',
    });
    const again = await signInAs(testApp.app.services, 'admin', 'my own admin passphrase');
    expect(await again.caller.cas.list()).toEqual([]);
  });

  it('takes PKI_ADMIN_PASSWORD when set, and is made only once', async () => {
    const { log, lines } = capturingLogger();
    testApp = await buildTestApp({ PKI_ADMIN_PASSWORD: 'configured admin passphrase' }, { logger: log });
    expect(JSON.stringify(lines)).not.toContain('configured admin passphrase');
    const admin = await signInAs(testApp.app.services, 'admin', 'configured admin passphrase');
    expect(admin.principal).toMatchObject({
      kind: 'user',
      actor: 'user:admin',
      role: 'admin',
      mustChangePassword: false,
    });
    expect(testApp.app.services.auth.users.list()).toHaveLength(1);
  });
});

describe('password policy', () => {
  it('refuses short and common passwords, and the username as password', async () => {
    testApp = await buildTestApp();
    const { caller } = await actAs(testApp.app.services, 'admin');
    await expect(caller.users.create({ username: 'eve', role: 'auditor', password: 'short' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    for (const password of ['123qweasdzxc', '1q2w3e4r5t6y', 'QAZWSXEDCRFV']) {
      await expect(caller.users.create({ username: 'eve', role: 'auditor', password })).rejects.toMatchObject({
        cause: { code: 'PASSWORD_TOO_COMMON' },
      });
    }
    await expect(
      caller.users.create({ username: 'eve.the.auditor', role: 'auditor', password: 'eve.the.auditor' }),
    ).rejects.toMatchObject({ cause: { code: 'PASSWORD_TOO_COMMON' } });
    expect(
      await caller.users.create({ username: 'eve', role: 'auditor', password: 'an uncommon long phrase' }),
    ).toMatchObject({
      username: 'eve',
      role: 'auditor',
    });
    const stored = testApp.app.services.database.sqlite
      .prepare("SELECT password_hash FROM users WHERE username = 'eve'")
      .get() as {
      password_hash: string;
    };
    expect(stored.password_hash).toMatch(/^scrypt\$16384\$8\$5\$/);
    expect(stored.password_hash).not.toContain('uncommon');
  });
});

describe('API tokens', () => {
  it('never outrank their creator, and a revoked one is refused on the next request', async () => {
    testApp = await buildTestApp();
    const services = testApp.app.services;
    const operator = await actAs(services, 'operator');
    await expect(
      services.auth.tokens.create(
        { actor: operator.principal.actor, requestId: 'r', principal: operator.principal },
        { name: 'too much', role: 'admin', expiresInDays: 1 },
      ),
    ).rejects.toMatchObject({ code: 'TOKEN_ROLE_ABOVE_CREATOR' });
    await expect(
      services.auth.tokens.create(
        { actor: operator.principal.actor, requestId: 'r', principal: operator.principal },
        { name: 'sideways', role: 'auditor', expiresInDays: 1 },
      ),
    ).rejects.toMatchObject({ code: 'TOKEN_ROLE_ABOVE_CREATOR' });

    const admin = await actAs(services, 'admin');
    await expect(
      admin.caller.apiTokens.create({ name: 'long', role: 'operator', expiresInDays: 366 }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const created = await admin.caller.apiTokens.create({ name: 'ci', role: 'operator', expiresInDays: 30 });
    expect(created.secret).toMatch(new RegExp(`^pki_${created.id}_[A-Za-z0-9_-]{43}$`));
    const headers = { authorization: `Bearer ${created.secret}` };
    expect((await testApp.app.inject({ method: 'GET', url: '/trpc/cas.list', headers })).statusCode).toBe(200);
    const listed = await admin.caller.apiTokens.list();
    expect(listed.find((token) => token.id === created.id)).toMatchObject({
      name: 'ci',
      role: 'operator',
      revokedAt: null,
    });
    expect(JSON.stringify(listed)).not.toContain(created.secret.slice(-43));

    await admin.caller.apiTokens.revoke({ id: created.id });
    expect((await testApp.app.inject({ method: 'GET', url: '/trpc/cas.list', headers })).statusCode).toBe(401);
    // A guessed secret for a real id is no token at all.
    const guessed = `pki_${created.id}_${'A'.repeat(43)}`;
    expect(services.auth.tokens.resolve(guessed)).toEqual({ kind: 'invalid' });
  });

  it('writes the last use at most once a minute', async () => {
    let offsetMs = 0;
    testApp = await buildTestApp({}, { now: () => new Date(Date.now() + offsetMs) });
    const token = await tokenAs(testApp.app.services, 'auditor');
    const lastUsed = () =>
      (
        testApp?.app.services.database.sqlite
          .prepare('SELECT last_used_at FROM api_tokens WHERE id = ?')
          .get(token.id) as {
          last_used_at: number;
        }
      ).last_used_at;
    const first = lastUsed();
    offsetMs = 30_000;
    testApp.app.services.auth.tokens.resolve(token.secret);
    expect(lastUsed()).toBe(first);
    offsetMs = 61_000;
    testApp.app.services.auth.tokens.resolve(token.secret);
    expect(lastUsed()).toBeGreaterThan(first);
  });
});

describe('OIDC identities', () => {
  it('are created and updated by upsertOidcUser, act as oidc:<issuer-host>/<sub>, and can be disabled', async () => {
    testApp = await buildTestApp();
    const services = testApp.app.services;
    const identity = {
      issuer: 'https://idp.example.test/realms/x',
      subject: 'sub-123',
      username: 'olga',
      role: 'auditor' as const,
    };
    const created = await services.auth.users.upsertOidcUser(systemContext('oidc'), identity);
    const promoted = await services.auth.users.upsertOidcUser(systemContext('oidc'), { ...identity, role: 'operator' });
    expect(promoted.id).toBe(created.id);
    const session = await services.auth.sessions.start(systemContext('oidc'), created.id);
    expect(services.auth.sessions.resolve(session.token)).toMatchObject({
      actor: 'oidc:idp.example.test/sub-123',
      role: 'operator',
    });
    // No password: a password sign-in fails like any wrong password.
    expect(await services.auth.users.verifyCredentials('olga', '')).toBeUndefined();
    const { caller } = await actAs(services, 'admin');
    await caller.users.disable({ username: 'olga' });
    expect(services.auth.sessions.resolve(session.token)).toBeUndefined();
  });
});

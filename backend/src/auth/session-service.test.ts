/**
 * Sessions on the real app, over HTTP with the cookie the server sets: a new id at every
 * sign-in (no fixation), idle and absolute expiry (a movable clock, no sleeps), sign-out and
 * password change ending the user's other sessions, and a disabled user's sessions ending
 * at once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { SESSION_COOKIE } from '../http/session-cookie.js';
import { systemContext } from '../request-context.js';

let testApp: TestApp;
let offsetMs = 0;
const PASSWORD = 'correct horse battery staple 9';
const MINUTE = 60_000;

beforeEach(async () => {
  offsetMs = 0;
  testApp = await buildTestApp({}, { now: () => new Date(Date.now() + offsetMs) });
  await testApp.app.services.auth.users.create(systemContext('test'), {
    username: 'olive',
    role: 'operator',
    password: PASSWORD,
  });
}, 60_000);

afterEach(async () => {
  await testApp.close();
});

async function signIn(password = PASSWORD, cookie?: string) {
  const response = await testApp.app.inject({
    method: 'POST',
    url: '/trpc/auth.signIn',
    headers: { 'content-type': 'application/json', 'x-pki-request': '1', ...(cookie === undefined ? {} : { cookie }) },
    payload: JSON.stringify({ username: 'olive', password }),
  });
  const setCookie = response.headers['set-cookie'];
  const line = (Array.isArray(setCookie) ? setCookie[0] : setCookie) ?? '';
  const token = new RegExp(`^${SESSION_COOKIE}=([^;]+)`).exec(line)?.[1];
  return { response, line, token, cookie: `${SESSION_COOKIE}=${token ?? ''}` };
}

async function me(cookie: string) {
  return testApp.app.inject({ method: 'GET', url: '/trpc/auth.me', headers: { cookie } });
}

async function mutate(path: string, cookie: string, input?: unknown) {
  return testApp.app.inject({
    method: 'POST',
    url: `/trpc/${path}`,
    headers: { cookie, 'content-type': 'application/json', 'x-pki-request': '1' },
    ...(input === undefined ? {} : { payload: JSON.stringify(input) }),
  });
}

describe('sessions', () => {
  it('sets an HttpOnly, SameSite=Strict cookie and answers the user', async () => {
    const { response, line, token } = await signIn();
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      result: { data: { user: { username: 'olive', role: 'operator', mustChangePassword: false } } },
    });
    expect(line).toMatch(/HttpOnly/);
    expect(line).toMatch(/SameSite=Strict/);
    expect(line).toMatch(/Path=\//);
    // Attribute by attribute: the random token itself may spell "Secure".
    expect(line.split(';').map((attribute) => attribute.trim())).not.toContain('Secure');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only a hash is stored.
    const stored = testApp.app.services.database.sqlite.prepare('SELECT token_hash FROM sessions').all() as {
      token_hash: string;
    }[];
    expect(stored.map((row) => row.token_hash)).not.toContain(token);
    expect((await me(`${SESSION_COOKIE}=${token}`)).json()).toMatchObject({ result: { data: { username: 'olive' } } });
  });

  it('issues a new session id at sign-in even when a session cookie is presented (no fixation)', async () => {
    const first = await signIn();
    const second = await signIn(PASSWORD, first.cookie);
    expect(second.token).toBeDefined();
    expect(second.token).not.toBe(first.token);
    const planted = await signIn(PASSWORD, `${SESSION_COOKIE}=attacker-chosen-value`);
    expect(planted.token).not.toBe('attacker-chosen-value');
  });

  it('ends after PKI_SESSION_IDLE without use, and lives on while used', async () => {
    const { cookie } = await signIn();
    offsetMs = 20 * MINUTE;
    expect((await me(cookie)).statusCode).toBe(200);
    offsetMs = 40 * MINUTE; // 20 minutes after the last use: still within 30
    expect((await me(cookie)).statusCode).toBe(200);
    offsetMs = 71 * MINUTE; // 31 minutes idle
    expect((await me(cookie)).statusCode).toBe(401);
    offsetMs = 72 * MINUTE;
    expect((await me(cookie)).statusCode).toBe(401);
  });

  it('ends at PKI_SESSION_MAX however busy', async () => {
    const { cookie } = await signIn();
    for (let minute = 25; minute < 12 * 60; minute += 25) {
      offsetMs = minute * MINUTE;
      expect((await me(cookie)).statusCode, `at ${minute} min`).toBe(200);
    }
    offsetMs = 12 * 60 * MINUTE;
    expect((await me(cookie)).statusCode).toBe(401);
  });

  it('sign-out ends this session and the user’s others, and clears the cookie', async () => {
    const laptop = await signIn();
    const phone = await signIn();
    const signedOut = await mutate('auth.signOut', laptop.cookie);
    expect(signedOut.statusCode, signedOut.body).toBe(200);
    expect(String(signedOut.headers['set-cookie'])).toMatch(new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`));
    expect((await me(laptop.cookie)).statusCode).toBe(401);
    expect((await me(phone.cookie)).statusCode).toBe(401);
  });

  it('a password change ends the other sessions and keeps this one', async () => {
    const laptop = await signIn();
    const phone = await signIn();
    const changed = await mutate('auth.changePassword', laptop.cookie, {
      currentPassword: PASSWORD,
      newPassword: 'a brand new passphrase 42',
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect((await me(laptop.cookie)).statusCode).toBe(200);
    expect((await me(phone.cookie)).statusCode).toBe(401);
    expect((await signIn()).response.statusCode).toBe(401);
    expect((await signIn('a brand new passphrase 42')).response.statusCode).toBe(200);
  });

  it('disabling a user ends all of their sessions at once, and they cannot sign in', async () => {
    const { cookie } = await signIn();
    const admin = await testApp.app.services.auth.users.create(systemContext('test'), {
      username: 'ada',
      role: 'admin',
      password: 'another long admin phrase',
    });
    expect(admin.role).toBe('admin');
    const adminSession = await testApp.app.inject({
      method: 'POST',
      url: '/trpc/auth.signIn',
      headers: { 'content-type': 'application/json', 'x-pki-request': '1' },
      payload: JSON.stringify({ username: 'ada', password: 'another long admin phrase' }),
    });
    const adminCookie = String(adminSession.headers['set-cookie']).split(';')[0] ?? '';
    expect((await mutate('users.disable', adminCookie, { username: 'olive' })).statusCode).toBe(200);
    expect((await me(cookie)).statusCode).toBe(401);
    const again = await signIn();
    expect(again.response.statusCode).toBe(401);
    expect(again.response.json()).toMatchObject({ error: { message: 'Wrong username or password.' } });
  });

  it('answers a wrong password and an unknown user alike', async () => {
    const wrongPassword = await signIn('not the password at all');
    const unknownUser = await testApp.app.inject({
      method: 'POST',
      url: '/trpc/auth.signIn',
      headers: { 'content-type': 'application/json', 'x-pki-request': '1' },
      payload: JSON.stringify({ username: 'nobody-here', password: 'not the password at all' }),
    });
    expect(unknownUser.statusCode).toBe(wrongPassword.response.statusCode);
    const strip = (body: string) => body.replace(/"requestId":"[^"]+"/, '');
    expect(strip(unknownUser.body)).toBe(strip(wrongPassword.response.body));
  });
});

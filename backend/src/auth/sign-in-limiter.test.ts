/**
 * Sign-in rate limiting and refusal auditing on the real app, with a movable clock: the
 * limit kicks in after a few failures with a clear "try again in N s" (429 + Retry-After),
 * the delay grows, and it lifts; a correct password during the wait is refused too. Refused
 * procedures leave `auth.denied` rows: one per signed-in refusal, one per anonymous address
 * and minute.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { systemContext } from '../request-context.js';
import { actAs, tokenAs } from '../../test/harness/act-as.js';

let testApp: TestApp;
let offsetMs = 0;
const PASSWORD = 'a long enough sign-in phrase';

beforeEach(async () => {
  offsetMs = 0;
  // A frozen clock that only the test moves: a slow machine must not lift a limit early.
  const frozenAt = Date.now();
  testApp = await buildTestApp({}, { now: () => new Date(frozenAt + offsetMs) });
  await testApp.app.services.auth.users.create(systemContext('test'), {
    username: 'ada',
    role: 'admin',
    password: PASSWORD,
  });
}, 60_000);

afterEach(async () => {
  await testApp.close();
});

function signIn(password: string, remoteAddress = '203.0.113.7', username = 'ada') {
  return testApp.app.inject({
    method: 'POST',
    url: '/trpc/auth.signIn',
    remoteAddress,
    headers: { 'content-type': 'application/json', 'x-pki-request': '1' },
    payload: JSON.stringify({ username, password }),
  });
}

function auditRows(operation: string) {
  return testApp.app.services.database.sqlite
    .prepare('SELECT actor, status, entity_id, details FROM audit_log WHERE operation = ? ORDER BY seq')
    .all(operation) as { actor: string; status: string; entity_id: string | null; details: string }[];
}

describe('sign-in rate limiting', () => {
  it('kicks in after five failures, grows, says when to retry, and lifts', async () => {
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      expect((await signIn('wrong password number x')).statusCode, `attempt ${attempt}`).toBe(401);
    }
    // Each failure beyond the fifth doubles the wait: 1 s, 2 s, 4 s…
    const throttled = await signIn(PASSWORD);
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(throttled.json()).toMatchObject({
      error: { message: 'Too many failed sign-in attempts; try again in 1 s.', data: { appCode: 'RATE_LIMITED' } },
    });

    offsetMs = 1_000;
    expect((await signIn('wrong password number x')).statusCode).toBe(401);
    const longer = await signIn(PASSWORD);
    expect(longer.statusCode).toBe(429);
    expect(longer.headers['retry-after']).toBe('2');

    offsetMs = 2_500;
    expect((await signIn(PASSWORD)).headers['retry-after']).toBe('1');
    offsetMs = 3_000;
    expect((await signIn(PASSWORD)).statusCode).toBe(200);
    // Success forgets the account's failures.
    expect((await signIn('wrong password number x')).statusCode).toBe(401);
    expect((await signIn(PASSWORD)).statusCode).toBe(200);
  }, 90_000);

  it('limits per account whatever the address, and per address across accounts', async () => {
    for (let attempt = 0; attempt < 6; attempt += 1) await signIn('wrong password number x', `198.51.100.${attempt}`);
    expect((await signIn(PASSWORD, '198.51.100.99')).statusCode).toBe(429);

    await Promise.all(
      Array.from({ length: 20 }, (_, index) => signIn('wrong password number x', '192.0.2.1', `user${index}`)),
    );
    await testApp.app.services.auth.users.create(systemContext('test'), {
      username: 'bob',
      role: 'auditor',
      password: PASSWORD,
    });
    expect((await signIn(PASSWORD, '192.0.2.1', 'bob')).statusCode).toBe(429);
    expect((await signIn(PASSWORD, '192.0.2.2', 'bob')).statusCode).toBe(200);
  }, 90_000);

  it('audits every checked failure with the attempted name, never the password', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) await signIn('wrong password number x');
    const rows = auditRows('auth.signIn');
    expect(rows.map((row) => [row.actor, row.status])).toEqual([
      ['anonymous', 'failure'],
      ['anonymous', 'failure'],
      ['anonymous', 'failure'],
    ]);
    expect(JSON.parse(rows[2]?.details ?? '{}')).toMatchObject({
      username: 'ada',
      failures: 3,
      errorCode: 'INVALID_CREDENTIALS',
    });
    expect(rows.map((row) => row.details).join()).not.toContain('wrong password');
  });
});

describe('refusals are audited', () => {
  it('writes one auth.denied row per refusal of a signed-in actor or a real token, with procedure and reason', async () => {
    const services = testApp.app.services;
    const auditor = await actAs(services, 'auditor', 'audrey');
    const admin = await actAs(services, 'admin');
    const token = await tokenAs(services, 'operator', { creator: admin });
    await services.auth.tokens.revoke(
      { actor: admin.principal.actor, requestId: 'r', principal: admin.principal },
      { id: token.id },
    );

    await expect(auditor.caller.keys.destroy({ keyId: 'k', confirmLabel: 'k' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const revoked = await testApp.app.inject({ method: 'GET', url: '/trpc/cas.list', headers: token.headers });
    expect(revoked.statusCode).toBe(401);

    const rows = auditRows('auth.denied');
    expect(rows.map((row) => [row.actor, row.status, row.entity_id])).toEqual([
      ['user:audrey', 'denied', 'keys.destroy'],
      [`token:${token.id}`, 'denied', 'cas.list'],
    ]);
    expect(JSON.parse(rows[0]?.details ?? '{}')).toMatchObject({
      reason: 'role',
      permission: 'keys.manage',
      role: 'auditor',
    });
    expect(JSON.parse(rows[1]?.details ?? '{}')).toMatchObject({ reason: 'token revoked' });
    expect(services.auth.denials.counts().signedIn).toBe(2);
  });

  it('aggregates anonymous refusals into one row per client address and minute', async () => {
    const services = testApp.app.services;
    offsetMs = -(Date.now() % 60_000); // the start of a minute
    for (let index = 0; index < 25; index += 1) {
      await testApp.app.inject({ method: 'GET', url: '/trpc/cas.list', remoteAddress: '203.0.113.50' });
    }
    await testApp.app.inject({ method: 'GET', url: '/trpc/keys.list', remoteAddress: '203.0.113.51' });
    expect(auditRows('auth.denied')).toEqual([]);
    expect(services.auth.denials.counts().anonymous).toBe(26);

    offsetMs += 60_000;
    await services.auth.denials.flush(false);
    const rows = auditRows('auth.denied');
    expect(rows.map((row) => [row.actor, row.entity_id, JSON.parse(row.details).count])).toEqual([
      ['anonymous', '203.0.113.50', 25],
      ['anonymous', '203.0.113.51', 1],
    ]);
    expect(JSON.parse(rows[0]?.details ?? '{}')).toMatchObject({ procedures: ['cas.list'], reason: 'unauthenticated' });
  });
});

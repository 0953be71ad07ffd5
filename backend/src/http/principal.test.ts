/**
 * `requirePermission` for plain routes (e.g. /metrics): the same principal resolution as
 * tRPC, 401 without a credential, 403 for a role without the permission, audited alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { actAs, tokenAs } from '../../test/harness/act-as.js';
import { requirePermission } from './principal.js';

let testApp: TestApp;

beforeAll(async () => {
  testApp = await buildTestApp();
  testApp.app.get('/test-only/audited-report', { preHandler: requirePermission('audit.read') }, async () => ({
    ok: true,
  }));
}, 60_000);

afterAll(async () => {
  await testApp?.close();
});

describe('requirePermission', () => {
  it('answers 401 without a credential, 403 for a role without the permission, and lets the role through', async () => {
    const services = testApp.app.services;
    const anonymous = await testApp.app.inject({ method: 'GET', url: '/test-only/audited-report' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ code: 'UNAUTHENTICATED' });

    const operator = await actAs(services, 'operator');
    const refused = await testApp.app.inject({
      method: 'GET',
      url: '/test-only/audited-report',
      headers: operator.headers,
    });
    expect(refused.statusCode).toBe(403);

    const auditorToken = await tokenAs(services, 'auditor');
    const allowed = await testApp.app.inject({
      method: 'GET',
      url: '/test-only/audited-report',
      headers: auditorToken.headers,
    });
    expect(allowed.statusCode, allowed.body).toBe(200);

    const denied = services.database.sqlite
      .prepare("SELECT actor, entity_id FROM audit_log WHERE operation = 'auth.denied'")
      .all() as { actor: string; entity_id: string }[];
    expect(denied).toEqual([{ actor: operator.principal.actor, entity_id: 'GET /test-only/audited-report' }]);
  });
});

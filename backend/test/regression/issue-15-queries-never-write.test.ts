/**
 * Issue 15: queries never write. A `keys.get` of an unknown id wrote a failure row, so any
 * reader could grow the audit log (and its commits) at will. Every query of the router is
 * called as an admin with ids that exist and ids that do not, and with garbage input; the
 * audit log and every other table keep their row counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AppServices } from '../../src/services.js';
import type { Actor } from '../harness/act-as.js';
import { openAdminApp, tableRowCounts } from '../harness/admin-app.js';
import type { TestApp } from '../helpers.js';

let testApp: TestApp;
let services: AppServices;
let admin: Actor;

beforeAll(async () => {
  ({ testApp, services, admin } = await openAdminApp('Query Root'));
});

afterAll(async () => {
  await testApp.close();
});

describe('issue 15: queries never write', () => {
  it('keys.get of an unknown id answers NOT_FOUND and writes no row', async () => {
    const before = tableRowCounts(services);
    await expect(admin.caller.keys.get({ keyId: 'no-such-key' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(tableRowCounts(services)).toEqual(before);
  });

  it('keys.get of an unknown id over HTTP, alone and batched, writes no row', async () => {
    const before = tableRowCounts(services);
    const input = encodeURIComponent(JSON.stringify({ keyId: 'no-such-key' }));
    const single = await testApp.app.inject({
      method: 'GET',
      url: `/trpc/keys.get?input=${input}`,
      headers: admin.headers,
    });
    expect(single.statusCode).toBe(404);
    const batchInput = encodeURIComponent(JSON.stringify({ 0: { keyId: 'a' }, 1: { keyId: 'b' } }));
    const batch = await testApp.app.inject({
      method: 'GET',
      url: `/trpc/keys.get,keys.get?batch=1&input=${batchInput}`,
      headers: admin.headers,
    });
    expect(batch.statusCode).toBe(404);
    expect(tableRowCounts(services)).toEqual(before);
  });

  it('no query writes, whether its input names something, nothing, or is garbage', async () => {
    const [root] = await admin.caller.cas.list();
    const keyId = root?.keyId ?? '';
    const caller = admin.caller;
    const calls: [string, () => Promise<unknown>][] = [
      ['keys.list', () => caller.keys.list({})],
      ['keys.get known', () => caller.keys.get({ keyId })],
      ['keys.get unknown', () => caller.keys.get({ keyId: 'nope' })],
      ['keys.get garbage', () => caller.keys.get({ keyId: 42 } as never)],
      ['cas.list', () => caller.cas.list()],
      ['cas.get unknown', () => caller.cas.get({ id: 'nope' } as never)],
      ['certificates.list', () => caller.certificates.list({})],
      ['certificates.get unknown', () => caller.certificates.get({ id: 'nope' })],
      ['certificates.get garbage', () => caller.certificates.get({ serialHex: 'zz' } as never)],
      ['audit.list', () => caller.audit.list({})],
      ['approvals.list', () => caller.approvals.list({})],
      ['approvals.get unknown', () => caller.approvals.get({ id: 'nope' })],
    ];
    const before = tableRowCounts(services);
    for (const [name, call] of calls) {
      await call().catch(() => undefined);
      expect(tableRowCounts(services), name).toEqual(before);
    }
  });
});

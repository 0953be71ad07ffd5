/**
 * Issue 15: queries never write. A `keys.get` of an unknown id wrote a failure row, so any
 * reader could grow the audit log (and its commits) at will. Every query of the router is
 * called as an admin with ids that exist and ids that do not, and with garbage input; the
 * audit log and every other table keep their row counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AppServices } from '../../src/services.js';
import { actAs } from '../../src/trpc/testing/act-as.js';
import type { Actor } from '../../src/trpc/testing/act-as.js';
import { buildTestApp } from '../helpers.js';
import type { TestApp } from '../helpers.js';

let testApp: TestApp;
let services: AppServices;
let admin: Actor;

function rowCounts(): Record<string, number> {
  const sqlite = services.database.sqlite;
  const tables = sqlite
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'",
    )
    .all() as { name: string }[];
  return Object.fromEntries(
    tables.map(({ name }) => [name, (sqlite.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n]),
  );
}

beforeAll(async () => {
  testApp = await buildTestApp();
  services = testApp.app.services;
  admin = await actAs(services, 'admin');
  await admin.caller.cas.createRoot({
    name: 'Query Root',
    subject: { commonName: 'Query Root' },
    algorithm: 'ec-p384',
    validityDays: 3650,
  });
});
afterAll(async () => {
  await testApp.close();
});

describe('issue 15: queries never write', () => {
  it('keys.get of an unknown id answers NOT_FOUND and writes no row', async () => {
    const before = rowCounts();
    await expect(admin.caller.keys.get({ keyId: 'no-such-key' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(rowCounts()).toEqual(before);
  });

  it('keys.get of an unknown id over HTTP, alone and batched, writes no row', async () => {
    const before = rowCounts();
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
    expect(rowCounts()).toEqual(before);
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
    const before = rowCounts();
    for (const [name, call] of calls) {
      await call().catch(() => undefined);
      expect(rowCounts(), name).toEqual(before);
    }
  });
});

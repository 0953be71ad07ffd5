import { afterEach, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../../test/helpers.js';
import type { TestApp } from '../../../test/helpers.js';
import { auditSummaryCsv } from '@pki/shared';

import { AuditChain } from '../../audit/chain.js';
import { actAs } from '../../../test/harness/act-as.js';
import type { Actor } from '../../../test/harness/act-as.js';

let testApp: TestApp | undefined;
afterEach(async () => {
  await testApp?.close();
  testApp = undefined;
});

/** An auditor made before the rows: its user.create and auth.signIn rows sit below them. */
async function auditorOf(app: TestApp): Promise<Actor> {
  return actAs(app.app.services, 'auditor', 'auditor');
}

function appendRows(app: TestApp, count: number): void {
  const chain = new AuditChain(app.app.services.database.sqlite);
  for (let index = 0; index < count; index += 1) {
    chain.transaction(() =>
      chain.append({
        actor: 'anonymous',
        operation: index % 2 === 0 ? 'kms.sign' : 'ca.createRoot',
        entityType: 'kms_key',
        entityId: `key-${index}`,
        status: index === 3 ? 'failure' : 'success',
        details: { index },
        requestId: `req-${index}`,
      }),
    );
  }
}

describe('audit procedures', () => {
  it('lists newest first and pages by keyset without gaps or repeats', async () => {
    testApp = await buildTestApp();
    const { caller } = await auditorOf(testApp);
    appendRows(testApp, 7);
    const first = await caller.audit.list({ limit: 3 });
    expect(first.items.map((row) => row.entityId)).toEqual(['key-6', 'key-5', 'key-4']);
    const second = await caller.audit.list({ limit: 3, cursor: first.nextCursor ?? undefined });
    const third = await caller.audit.list({ limit: 3, cursor: second.nextCursor ?? undefined });
    const fourth = await caller.audit.list({ limit: 3, cursor: third.nextCursor ?? undefined });
    // Below the appended rows: the auditor's sign-in and creation, the first-start admin's
    // creation, and the oldest, the boot-time reconciliation of the key store (no entity).
    expect([...second.items, ...third.items, ...fourth.items].map((row) => row.operation)).toEqual([
      'ca.createRoot',
      'kms.sign',
      'ca.createRoot',
      'kms.sign',
      'auth.signIn',
      'user.create',
      'user.create',
      'kms.reconcile',
    ]);
    expect([...second.items, third.items[0]].map((row) => row?.entityId)).toEqual(['key-3', 'key-2', 'key-1', 'key-0']);
    expect(fourth.items.at(-1)?.entityId).toBeNull();
    expect(fourth.nextCursor).toBeNull();
    expect(first.items[0]).toMatchObject({ actor: 'anonymous', requestId: 'req-6', details: { index: 6 } });
    expect(first.items[0]?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('filters by operation and status', async () => {
    testApp = await buildTestApp();
    const { caller } = await auditorOf(testApp);
    appendRows(testApp, 6);
    const creations = await caller.audit.list({ operation: 'ca.createRoot' });
    expect(creations.items.map((row) => row.entityId)).toEqual(['key-5', 'key-3', 'key-1']);
    const failures = await caller.audit.list({ status: 'failure' });
    expect(failures.items.map((row) => row.entityId)).toEqual(['key-3']);
  });

  it('refuses a forged cursor as bad input, over HTTP, with the request id', async () => {
    testApp = await buildTestApp();
    const { headers } = await auditorOf(testApp);
    const input = encodeURIComponent(JSON.stringify({ cursor: 'abc' }));
    const response = await testApp.app.inject({
      method: 'GET',
      url: `/trpc/audit.list?input=${input}`,
      headers: { ...headers, 'x-request-id': 'req-cursor' },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json<{ error: { message: string; data: { appCode: string; requestId: string } } }>();
    expect(body.error.data).toMatchObject({ appCode: 'VALIDATION_FAILED', requestId: 'req-cursor' });
    expect(body.error.message).toContain('cursor');
  });

  it('verifies the chain and names the first bad row once one is edited', async () => {
    testApp = await buildTestApp();
    const { caller, headers } = await auditorOf(testApp);
    appendRows(testApp, 4);
    // Four appended rows after the boot-time reconciliation, the first admin's creation and the auditor's two rows.
    expect(await caller.audit.verifyChain()).toMatchObject({ isValid: true, rowCount: 8 });

    const sqlite = testApp.app.services.database.sqlite;
    const triggers = sqlite
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
      .all() as {
      name: string;
      sql: string;
    }[];
    for (const trigger of triggers) sqlite.exec(`DROP TRIGGER ${trigger.name}`);
    sqlite.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2").run();

    const response = await testApp.app.inject({ method: 'GET', url: '/trpc/audit.verifyChain', headers });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ result: { data: unknown } }>().result.data).toMatchObject({
      isValid: false,
      firstBadSeq: 2,
      reason: 'hash-mismatch',
    });
  });

  it('gets one row by seq, and answers NOT_FOUND over HTTP for a seq past the tip', async () => {
    testApp = await buildTestApp();
    const { caller, headers } = await auditorOf(testApp);
    appendRows(testApp, 2);
    const [newest] = (await caller.audit.list({ limit: 1 })).items;
    if (newest === undefined) throw new Error('no rows');
    const row = await caller.audit.get({ seq: newest.seq });
    expect(row).toMatchObject({ ...newest, prevHash: expect.stringMatching(/^[0-9a-f]{64}$/) as string });
    const response = await testApp.app.inject({
      method: 'GET',
      url: `/trpc/audit.get?input=${encodeURIComponent(JSON.stringify({ seq: newest.seq + 1 }))}`,
      headers,
    });
    expect(response.statusCode).toBe(404);
    expect(response.json<{ error: { data: { appCode: string } } }>().error.data.appCode).toBe('AUDIT_ROW_NOT_FOUND');
    // Reading wrote nothing.
    expect((await caller.audit.list({ limit: 1 })).items[0]?.seq).toBe(newest.seq);
  });

  it('summarizes a period: counts, unsuccessful rows, and the same as CSV', async () => {
    testApp = await buildTestApp();
    const { caller } = await auditorOf(testApp);
    const since = new Date(Date.now() - 1000).toISOString();
    appendRows(testApp, 6);
    const summary = await caller.audit.summary({ since, until: new Date(Date.now() + 1000).toISOString() });
    expect(summary.byOperation).toEqual(
      expect.arrayContaining([
        { name: 'kms.sign', count: 3 },
        { name: 'ca.createRoot', count: 3 },
      ]),
    );
    expect(summary.byStatus).toEqual(expect.arrayContaining([{ name: 'failure', count: 1 }]));
    expect(summary.unsuccessful.total).toBe(1);
    expect(summary.unsuccessful.items.map((row) => row.entityId)).toEqual(['key-3']);
    expect(summary.rowCount).toBe(summary.byStatus.reduce((total, entry) => total + entry.count, 0));
    const csv = auditSummaryCsv(summary);
    expect(csv.split('\r\n')[0]).toBe('section,name,count,seq,timestamp,actor,operation,entity,status,error');
    expect(csv).toContain('operation,kms.sign,3,');
    expect(csv).toMatch(/\r\nunsuccessful,,,\d+,[^,]+,anonymous,ca\.createRoot,kms_key:key-3,failure,\r\n/);
    await expect(caller.audit.summary({ since, until: '2000-01-01T00:00:00Z' })).rejects.toThrow(/until/);
  });
});

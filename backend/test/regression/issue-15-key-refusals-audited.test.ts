/**
 * Issue 15: key operations refused before their service — a wrong destroy confirmation
 * label, input that fails validation — leave a failure row too, at most one per request so
 * that a batch of garbage cannot flood the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CaSummary } from '@pki/shared';

import type { AppServices } from '../../src/services.js';
import { callerFor } from '../harness/act-as.js';
import type { Actor } from '../harness/act-as.js';
import { openAdminApp } from '../harness/admin-app.js';
import type { TestApp } from '../helpers.js';

let testApp: TestApp;
let services: AppServices;
let admin: Actor;
let root: CaSummary;
let keyId: string;

interface FailureRow {
  operation: string;
  entity_id: string | null;
  actor: string;
  details: string;
}

const failureRows = (operation: string) =>
  services.database.sqlite
    .prepare(
      "SELECT operation, entity_id, actor, details FROM audit_log WHERE operation = ? AND status = 'failure' ORDER BY seq",
    )
    .all(operation) as FailureRow[];

beforeAll(async () => {
  ({ testApp, services, admin, root } = await openAdminApp('Refusal Root'));
  keyId = root.keyId;
});

afterAll(async () => {
  await testApp.close();
});

describe('issue 15: key refusals before the service are audited', () => {
  it('a wrong destroy confirmation label leaves a key.destroy failure row and keeps the key', async () => {
    const before = failureRows('key.destroy').length;
    await expect(admin.caller.keys.destroy({ keyId, confirmLabel: 'not the label' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const rows = failureRows('key.destroy');
    expect(rows).toHaveLength(before + 1);
    const row = rows.at(-1) as FailureRow;
    expect(row).toMatchObject({ entity_id: keyId, actor: admin.principal.actor });
    expect(JSON.parse(row.details)).toMatchObject({ errorCode: 'KEY_LABEL_MISMATCH', refusedBeforeService: true });
    expect((await admin.caller.keys.get({ keyId })).state).toBe('active');
  });

  it('input that fails validation leaves one failure row naming the field', async () => {
    const before = failureRows('key.revoke').length;
    // A caller is one request context; a fresh one, as a second HTTP request would be.
    const caller = callerFor(services, admin.principal);
    await expect(caller.keys.revoke({ keyId, reason: 'not-a-reason' } as never)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const rows = failureRows('key.revoke');
    expect(rows).toHaveLength(before + 1);
    expect(JSON.parse((rows.at(-1) as FailureRow).details)).toMatchObject({
      errorCode: 'VALIDATION_FAILED',
      keyId,
      procedure: 'keys.revoke',
    });
  });

  it('a batch of 50 invalid destroys over HTTP writes one row, not fifty', async () => {
    const before = failureRows('key.destroy').length;
    const calls = Array.from({ length: 50 }, () => 'keys.destroy').join(',');
    const body = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [index, { keyId: 'x'.repeat(500) }]));
    const response = await testApp.app.inject({
      method: 'POST',
      url: `/trpc/${calls}?batch=1`,
      headers: { ...admin.headers, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    expect(response.statusCode).toBe(400);
    const rows = failureRows('key.destroy');
    expect(rows).toHaveLength(before + 1);
    // The stored id is cut: a row is not a place to park 500 bytes per call.
    expect((rows.at(-1) as FailureRow).entity_id).toHaveLength(128);
  });

  it('a refused anonymous caller writes no key row (access control aggregates those)', async () => {
    const before = failureRows('key.destroy').length;
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/trpc/keys.destroy',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ keyId: 42 }),
    });
    expect([401, 403]).toContain(response.statusCode);
    expect(failureRows('key.destroy')).toHaveLength(before);
  });
});

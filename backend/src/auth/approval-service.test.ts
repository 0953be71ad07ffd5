/**
 * Dual control end to end through the procedures: one admin cannot complete a key
 * destruction alone (nor with a token of their own); a second admin's approval executes
 * exactly the stored request, as the approver; requests expire; a rejected one never runs;
 * every step leaves an audit row naming its actor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { actAs, tokenAs } from '../../test/harness/act-as.js';
import type { Actor } from '../../test/harness/act-as.js';

let testApp: TestApp;
let offsetMs = 0;
let alice: Actor;
let bob: Actor;

beforeAll(async () => {
  testApp = await buildTestApp({}, { now: () => new Date(Date.now() + offsetMs) });
  alice = await actAs(testApp.app.services, 'admin', 'alice');
  bob = await actAs(testApp.app.services, 'admin', 'bob');
}, 60_000);

afterAll(async () => {
  await testApp?.close();
});

function auditRows(operation: string, entityId?: string) {
  return (
    testApp.app.services.database.sqlite
      .prepare('SELECT actor, status, entity_id, details FROM audit_log WHERE operation = ? ORDER BY seq')
      .all(operation) as { actor: string; status: string; entity_id: string | null; details: string }[]
  ).filter((row) => entityId === undefined || row.entity_id === entityId);
}

async function approvalIdOf(promise: Promise<unknown>): Promise<string> {
  const error = (await promise.then(
    () => {
      throw new Error('ran without approval');
    },
    (refusal: unknown) => refusal,
  )) as { code?: string; cause?: { code?: string; approvalId?: string } };
  expect(error.cause?.code).toBe('APPROVAL_REQUIRED');
  return error.cause?.approvalId ?? '';
}

async function newRoot(name: string) {
  const root = await alice.caller.cas.createRoot({
    name,
    subject: { commonName: name },
    algorithm: 'ec-p384',
    validityDays: 365,
  });
  const key = await alice.caller.keys.get({ keyId: root.keyId });
  return { root, key };
}

describe('dual control', () => {
  it('is off on a new install, and an admin turns it on alone', async () => {
    // Three admins: the first-start `admin`, alice and bob.
    expect(await alice.caller.settings.get()).toEqual({ isDualControlEnabled: false, enabledAdminCount: 3 });
    expect(await alice.caller.settings.setDualControl({ isEnabled: true })).toMatchObject({
      isDualControlEnabled: true,
    });
  });

  it('stores a key destruction as pending: the requester cannot complete it, a second admin executes exactly it', async () => {
    const { key } = await newRoot('Dual Root');
    // A plain revocation needs no second admin; the key store destroys only revoked keys.
    const revoked = await alice.caller.keys.revoke({ keyId: key.id, reason: 'cessationOfOperation' });
    const request = { keyId: key.id, confirmLabel: key.label };
    const approvalId = await approvalIdOf(alice.caller.keys.destroy(request));
    expect((await alice.caller.keys.get({ keyId: key.id })).state).toBe(revoked.state);
    expect(auditRows('key.destroy', key.id)).toEqual([]);

    const pending = await bob.caller.approvals.get({ id: approvalId });
    expect(pending).toMatchObject({ operation: 'keys.destroy', status: 'pending', requestedBy: 'user:alice' });
    // Exactly what was asked, defaults included.
    expect(pending.input).toEqual({ ...request, isForced: false });

    await expect(alice.caller.approvals.approve({ id: approvalId })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      cause: { code: 'APPROVAL_BY_REQUESTER' },
    });
    const alicesToken = await tokenAs(testApp.app.services, 'admin', { creator: alice });
    await expect(alicesToken.caller.approvals.approve({ id: approvalId })).rejects.toMatchObject({
      cause: { code: 'APPROVAL_BY_REQUESTER' },
    });
    expect((await alice.caller.keys.get({ keyId: key.id })).state).toBe(revoked.state);

    const decision = await bob.caller.approvals.approve({ id: approvalId, comment: 'retiring the test root' });
    expect(decision.approval).toMatchObject({
      status: 'approved',
      decidedBy: 'user:bob',
      comment: 'retiring the test root',
    });
    expect(decision.result).toMatchObject({ id: key.id, state: 'destroyed' });
    expect((await alice.caller.keys.get({ keyId: key.id })).state).toBe('destroyed');

    expect(auditRows('approval.request', approvalId).map((row) => [row.actor, row.status])).toEqual([
      ['user:alice', 'success'],
    ]);
    const decisions = auditRows('approval.approve', approvalId);
    expect(decisions.map((row) => [row.actor, row.status])).toEqual([
      ['user:alice', 'failure'],
      [`token:${alicesToken.id}`, 'failure'],
      ['user:bob', 'success'],
    ]);
    expect(JSON.parse(decisions[2]?.details ?? '{}')).toMatchObject({
      requestedBy: 'user:alice',
      decidedBy: 'user:bob',
    });
    expect(auditRows('key.destroy', key.id).map((row) => [row.actor, row.status])).toEqual([['user:bob', 'success']]);
  });

  it('lets a request expire after PKI_APPROVAL_TTL: it can no longer be approved, and nothing runs', async () => {
    const { root } = await newRoot('Expiring Root');
    const approvalId = await approvalIdOf(alice.caller.cas.revoke({ caId: root.id, reason: 'cessationOfOperation' }));
    offsetMs = 24 * 3_600_000 + 1_000;
    try {
      await expect(bob.caller.approvals.approve({ id: approvalId })).rejects.toMatchObject({
        code: 'CONFLICT',
        cause: { code: 'APPROVAL_EXPIRED' },
      });
      expect((await bob.caller.approvals.get({ id: approvalId })).status).toBe('expired');
    } finally {
      offsetMs = 0;
    }
    expect((await alice.caller.cas.get({ caId: root.id })).status).toBe('active');
    expect(auditRows('ca.revoke', root.id)).toEqual([]);
  });

  it('never runs a rejected request; turning dual control off needs a second admin too', async () => {
    const approvalId = await approvalIdOf(alice.caller.settings.setDualControl({ isEnabled: false }));
    expect((await bob.caller.approvals.list({ status: 'pending' })).map((approval) => approval.id)).toContain(
      approvalId,
    );
    const rejected = await bob.caller.approvals.reject({ id: approvalId, comment: 'keep it on' });
    expect(rejected.approval).toMatchObject({ status: 'rejected', decidedBy: 'user:bob' });
    expect((await alice.caller.settings.get()).isDualControlEnabled).toBe(true);
    await expect(bob.caller.approvals.approve({ id: approvalId })).rejects.toMatchObject({
      cause: { code: 'APPROVAL_NOT_PENDING' },
    });
    expect(auditRows('approval.reject', approvalId).map((row) => row.actor)).toEqual(['user:bob']);

    const second = await approvalIdOf(bob.caller.settings.setDualControl({ isEnabled: false }));
    await alice.caller.approvals.approve({ id: second });
    expect((await alice.caller.settings.get()).isDualControlEnabled).toBe(false);
  });

  it('keeps a forced key revocation under dual control, not a plain one', async () => {
    await alice.caller.settings.setDualControl({ isEnabled: true });
    const { key } = await newRoot('Forced Root');
    await approvalIdOf(
      alice.caller.keys.revoke({ keyId: key.id, reason: 'keyCompromise', isForced: true, forceReason: 'test' }),
    );
    expect((await alice.caller.keys.get({ keyId: key.id })).state).toBe('active');
    const plain = await alice.caller.keys.revoke({ keyId: key.id, reason: 'keyCompromise' });
    expect(plain.state).not.toBe('active');
  });

  it('lets only one of two admins approving at once run the request; the other is refused and audited as such', async () => {
    await alice.caller.settings.setDualControl({ isEnabled: true });
    const carol = await actAs(testApp.app.services, 'admin', 'carol');
    const { key } = await newRoot('Race Root');
    await alice.caller.keys.revoke({ keyId: key.id, reason: 'cessationOfOperation' });
    const approvalId = await approvalIdOf(alice.caller.keys.destroy({ keyId: key.id, confirmLabel: key.label }));

    // A key generation in progress meanwhile makes the audit log batch the two decisions'
    // commits into one, so both pass the pending check before either writes.
    const [, ...outcomes] = await Promise.allSettled([
      alice.caller.cas.createRoot({
        name: 'Busy Root',
        subject: { commonName: 'Busy Root' },
        algorithm: 'rsa-3072',
        validityDays: 365,
      }),
      bob.caller.approvals.approve({ id: approvalId }),
      carol.caller.approvals.approve({ id: approvalId }),
    ]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refusal = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    expect((refusal.reason as { cause?: { code?: string } }).cause?.code).toBe('APPROVAL_NOT_PENDING');
    expect(
      auditRows('approval.approve', approvalId)
        .map((row) => row.status)
        .sort(),
    ).toEqual(['failure', 'success']);
    expect(auditRows('key.destroy', key.id).filter((row) => row.status === 'success')).toHaveLength(1);
  });
});

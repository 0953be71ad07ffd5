/**
 * Issue 12's tampering cases end to end through the server: each change made to the SQLite
 * file behind the running app is named, at its first bad row, by `audit.verify` (the worker
 * run behind the procedure) and by the offline verifier on a `GET /audit/export` file. The
 * module-level cases (audit-verification.test.ts, export-verifier tests) cover the walkers
 * alone; these prove the wiring — served signer, recorded checkpoints, export end — holds.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { actAs } from '../../test/harness/act-as.js';
import type { Actor } from '../../test/harness/act-as.js';
import { verifyAuditExport } from './export-verifier.js';
import { dropAuditTriggers, rewriteAuditChainFrom, storedAuditRows } from '../../test/harness/tamper.js';

let testApp: TestApp;
let app: FastifyInstance;
let auditor: Actor;
let checkpointSeq: number;
let checkpointRowSeq: number;

/** Audited refusals: one row each, and cheap (no password hashing). */
async function refusals(actor: Actor, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    await app.inject({ method: 'GET', url: '/audit/export', headers: actor.headers });
  }
}

beforeEach(async () => {
  testApp = await buildTestApp();
  app = testApp.app;
  auditor = await actAs(app.services, 'auditor');
  const operator = await actAs(app.services, 'operator');
  await refusals(operator, 6);
  const checkpoint = await app.services.auditIntegrity.checkpointNow();
  checkpointSeq = checkpoint?.seq ?? 0;
  checkpointRowSeq = storedAuditRows(app.services.database.sqlite).find((row) => row.operation === 'audit.checkpoint')
    ?.seq as number;
  await refusals(operator, 6);
});
afterEach(async () => {
  await testApp.close();
});

const sqlite = () => app.services.database.sqlite;

async function serverVerdict(options: { full?: boolean } = { full: true }) {
  const { runId } = await auditor.caller.audit.verify(options);
  await app.services.auditIntegrity.whenVerified();
  return (await auditor.caller.audit.verifyStatus({ runId })).result;
}

async function exportVerdict() {
  const response = await app.inject({ method: 'GET', url: '/audit/export?format=ndjson', headers: auditor.headers });
  expect(response.statusCode).toBe(200);
  const signerPem = (await app.inject({ method: 'GET', url: '/audit/signer.pem' })).body;
  return verifyAuditExport(response.body.split('\n'), signerPem);
}

async function expectDetected(firstBadSeq: number, reasons: { server: string; file: string }, full = true) {
  expect(await serverVerdict({ full })).toMatchObject({ isValid: false, firstBadSeq, reason: reasons.server });
  const verdict = await exportVerdict();
  expect(verdict).toMatchObject({ isIntact: false, reason: reasons.file });
  if (!verdict.isIntact && reasons.file !== 'not-ending-at-checkpoint') {
    expect(verdict.message).toContain(`row ${firstBadSeq}`);
  }
}

describe('audit tampering through the server', () => {
  it('an untouched log verifies on the server and as an export', async () => {
    const result = await serverVerdict();
    expect(result).toMatchObject({ isValid: true, checkpointCount: 1, lastCheckpoint: { seq: checkpointSeq } });
    expect(await exportVerdict()).toMatchObject({ isIntact: true, checkpointCount: 2 });
  });

  it('an edited row', async () => {
    dropAuditTriggers(sqlite());
    sqlite().exec("UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 4");
    await expectDetected(4, { server: 'hash-mismatch', file: 'hash-mismatch' });
  });

  it('an inserted row', async () => {
    dropAuditTriggers(sqlite());
    sqlite().exec('UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 5');
    sqlite().exec('UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1005');
    sqlite().exec(
      "INSERT INTO audit_log (seq, id, timestamp, actor, operation, entity_type, entity_id, status, details, prev_hash, hash) SELECT 5, 'forged', timestamp, 'user:mallory', 'kms.exportPrivateKey', 'kms_key', 'k', 'success', '{}', hash, hash FROM audit_log WHERE seq = 4",
    );
    await expectDetected(5, { server: 'hash-mismatch', file: 'hash-mismatch' });
  });

  it('a deleted row', async () => {
    dropAuditTriggers(sqlite());
    sqlite().exec('DELETE FROM audit_log WHERE seq = 3');
    await expectDetected(3, { server: 'missing-row', file: 'missing-row' });
  });

  it('two rows swapped', async () => {
    dropAuditTriggers(sqlite());
    sqlite().exec('UPDATE audit_log SET seq = -1 WHERE seq = 5; UPDATE audit_log SET seq = 5 WHERE seq = 6');
    sqlite().exec('UPDATE audit_log SET seq = 6 WHERE seq = -1');
    await expectDetected(5, { server: 'broken-link', file: 'broken-link' });
  });

  it('a chain rewritten with consistent hashes: its signed checkpoint no longer matches', async () => {
    rewriteAuditChainFrom(sqlite(), 2, { actor: 'user:mallory' });
    await expectDetected(checkpointSeq, { server: 'checkpoint-mismatch', file: 'checkpoint-mismatch' });
  });

  it('a forged checkpoint', async () => {
    const row = storedAuditRows(sqlite()).find((stored) => stored.seq === checkpointRowSeq);
    const details = JSON.parse(row?.details ?? '{}') as Record<string, unknown>;
    rewriteAuditChainFrom(sqlite(), checkpointRowSeq, {
      details: JSON.stringify({ ...details, signature: Buffer.alloc(72, 7).toString('base64') }),
    });
    await expectDetected(checkpointSeq, { server: 'forged-checkpoint', file: 'forged-checkpoint' });
  });

  it('rows removed from the end behind a signed checkpoint, sqlite_sequence mended', async () => {
    expect(await serverVerdict({})).toMatchObject({ isValid: true });
    dropAuditTriggers(sqlite());
    sqlite().prepare('DELETE FROM audit_log WHERE seq >= ?').run(checkpointSeq);
    sqlite()
      .prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'audit_log'")
      .run(checkpointSeq - 1);
    // The incremental run starts after the checkpoint it verified, which is now beyond the tip;
    // the server will not sign an export end over the shortened log, so the file is incomplete.
    await expectDetected(checkpointSeq, { server: 'truncated', file: 'not-ending-at-checkpoint' }, false);
  });
});

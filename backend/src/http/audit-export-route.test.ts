/**
 * Issue 12, server side: the audit signer made in the key store and served, the checkpoint
 * cadence, and `GET /audit/export` — a real export verified offline and by openssl.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { buildApp } from '../app.js';
import { verifyAuditExport } from '../audit/export-verifier.js';
import { loadConfig } from '../config.js';
import { actAs } from '../../test/harness/act-as.js';

const INDEPENDENT_VERIFIER = fileURLToPath(new URL('../../test/audit/verify_export.py', import.meta.url));

let testApp: TestApp | undefined;
afterEach(async () => {
  await testApp?.close();
  testApp = undefined;
});

const auditRows = (app: FastifyInstance) =>
  app.services.database.sqlite.prepare('SELECT seq, actor, operation, entity_id FROM audit_log ORDER BY seq').all() as {
    seq: number;
    actor: string;
    operation: string;
    entity_id: string | null;
  }[];

async function exportAs(app: FastifyInstance, headers: Record<string, string>, query = 'format=ndjson') {
  return app.inject({ method: 'GET', url: `/audit/export?${query}`, headers });
}

describe('the audit signer', () => {
  it('is made once in the key store (purpose audit, P-256), served at /audit/signer.pem and kept across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pki-audit-signer-'));
    const config = loadConfig({ PKI_MODE: 'development', PKI_DATA_DIR: dataDir, PKI_PORT: '0' });
    try {
      const first = await buildApp(config, { logger: pino({ level: 'silent' }) });
      const served = await first.inject({ method: 'GET', url: '/audit/signer.pem' });
      expect(served.statusCode).toBe(200);
      expect(served.headers['content-type']).toMatch(/application\/x-pem-file/);
      const auditor = await actAs(first.services, 'auditor');
      const info = await auditor.caller.audit.signer();
      expect(info.certificatePem).toBe(served.body);
      const certificate = new X509Certificate(served.body);
      expect(info.fingerprint).toBe(certificate.fingerprint256.replace(/:/g, '').toLowerCase());
      expect(certificate.publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
      expect(certificate.ca).toBe(false);
      expect(certificate.verify(certificate.publicKey)).toBe(true);
      const key = first.services.kms.findKey(info.keyId);
      expect(key).toMatchObject({ purpose: 'audit', algorithm: 'ec-p256', isExportable: false });
      // openssl reads it as a self-signed, non-CA certificate for signatures only.
      const path = join(dataDir, 'signer.pem');
      writeFileSync(path, served.body);
      const text = execFileSync('openssl', ['x509', '-in', path, '-noout', '-text'], { encoding: 'utf8' });
      expect(text).toMatch(/CA:FALSE/);
      expect(text).toMatch(/Digital Signature/);
      expect(execFileSync('openssl', ['verify', '-CAfile', path, path], { encoding: 'utf8' })).toMatch(/OK/);
      const creations = auditRows(first).filter((row) => row.operation === 'audit.createSigner');
      expect(creations).toEqual([expect.objectContaining({ actor: 'system:audit', entity_id: info.keyId })]);
      await first.close();

      const second = await buildApp(config, { logger: pino({ level: 'silent' }) });
      const again = await second.inject({ method: 'GET', url: '/audit/signer.pem' });
      expect(again.body).toBe(served.body);
      // At start the checkpointer finds the last checkpoint row through an index, not a scan of the log.
      expect(
        second.services.database.sqlite
          .prepare("EXPLAIN QUERY PLAN SELECT max(seq) FROM audit_log WHERE operation = ? AND operation <> 'kms.sign'")
          .all('audit.checkpoint'),
      ).toEqual([
        expect.objectContaining({
          detail: expect.stringMatching(/USING COVERING INDEX audit_log_operation_unsigned_idx/),
        }),
      ]);
      expect(auditRows(second).filter((row) => row.operation === 'audit.createSigner')).toHaveLength(1);
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  it('cannot be revoked or destroyed through the key procedures, even by an admin', async () => {
    testApp = await buildTestApp();
    const admin = await actAs(testApp.app.services, 'admin');
    const { keyId } = await admin.caller.audit.signer();
    await expect(admin.caller.keys.revoke({ keyId, reason: 'keyCompromise' })).rejects.toMatchObject({
      cause: { code: 'AUDIT_SIGNER_KEY' },
    });
    await expect(
      admin.caller.keys.destroy({ keyId, confirmLabel: testApp.app.services.kms.findKey(keyId)?.label ?? '' }),
    ).rejects.toMatchObject({
      cause: { code: 'AUDIT_SIGNER_KEY' },
    });
    expect(testApp.app.services.kms.findKey(keyId)?.state).toBe('active');
  });
});

describe('checkpoints', () => {
  it('are signed every PKI_AUDIT_CHECKPOINT_ROWS rows by system:audit, not counting their own rows', async () => {
    testApp = await buildTestApp({ PKI_AUDIT_CHECKPOINT_ROWS: '4' });
    const { app } = testApp;
    const auditor = await actAs(app.services, 'auditor');
    for (let index = 0; index < 6; index += 1) await actAs(app.services, 'operator');
    const tally = () => {
      const rows = auditRows(app);
      return {
        checkpoints: rows.filter((row) => row.operation === 'audit.checkpoint'),
        counted: rows.filter((row) => row.actor !== 'system:audit').length,
      };
    };
    await vi.waitUntil(() => tally().checkpoints.length === Math.floor(tally().counted / 4), { timeout: 10_000 });
    // Settle: no checkpoint may call for another.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { checkpoints, counted } = tally();
    expect(counted).toBeGreaterThanOrEqual(14);
    expect(checkpoints.length).toBe(Math.floor(counted / 4));
    expect(checkpoints.every((row) => row.actor === 'system:audit')).toBe(true);
    const { runId } = await auditor.caller.audit.verify({ full: true });
    await app.services.auditIntegrity.whenVerified();
    const status = await auditor.caller.audit.verifyStatus({ runId });
    expect(status).toMatchObject({ state: 'finished', result: { isValid: true } });
    expect(status.result?.isValid === true && status.result.checkpointCount).toBe(checkpoints.length);
    expect(status.result?.summary).toMatch(/^verified through row \d+, last signed checkpoint at \S+Z \(row \d+\)$/);
  });

  it('are signed every PKI_AUDIT_CHECKPOINT_INTERVAL when rows were added, and not when none were', async () => {
    testApp = await buildTestApp({ PKI_AUDIT_CHECKPOINT_INTERVAL: '1s' });
    const { app } = testApp;
    await actAs(app.services, 'operator');
    const lastOtherSeq = Math.max(
      ...auditRows(app)
        .filter((row) => row.actor !== 'system:audit')
        .map((row) => row.seq),
    );
    const checkpoints = () => auditRows(app).filter((row) => row.operation === 'audit.checkpoint');
    await vi.waitUntil(() => checkpoints().some((row) => Number(row.entity_id) >= lastOtherSeq), { timeout: 10_000 });
    const count = checkpoints().length;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(checkpoints()).toHaveLength(count);
  });
});

describe('GET /audit/export', () => {
  it('streams NDJSON ending with a signed checkpoint that the offline verifier and openssl accept', async () => {
    testApp = await buildTestApp({ PKI_AUDIT_CHECKPOINT_ROWS: '3' });
    const { app, dataDir } = testApp;
    const auditor = await actAs(app.services, 'auditor');
    for (let index = 0; index < 4; index += 1) await actAs(app.services, 'operator');
    await vi.waitUntil(() => auditRows(app).some((row) => row.operation === 'audit.checkpoint'), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));

    const response = await exportAs(app, auditor.headers);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="pki-audit-\d{8}T\d{6}Z\.ndjson"$/);
    const lines = response.body.trimEnd().split('\n');
    const signerPem = (await app.inject({ method: 'GET', url: '/audit/signer.pem' })).body;
    const verdict = await verifyAuditExport(lines, signerPem);
    expect(verdict).toMatchObject({ isIntact: true, firstSeq: 1 });
    const checkpointLines = lines
      .map((line) => JSON.parse(line) as { type: string; statement: string; signature: string; seq: number })
      .filter((item) => item.type === 'checkpoint');
    expect(checkpointLines.length).toBeGreaterThanOrEqual(2);

    // Every checkpoint statement verifies with openssl against the served certificate's key.
    const signerPath = join(dataDir, 'signer.pem');
    writeFileSync(signerPath, signerPem);
    const publicKeyPath = join(dataDir, 'signer-public.pem');
    execFileSync('openssl', ['x509', '-in', signerPath, '-noout', '-pubkey', '-out', publicKeyPath]);
    for (const [index, checkpoint] of checkpointLines.entries()) {
      const statementPath = join(dataDir, `statement-${index}.txt`);
      const signaturePath = join(dataDir, `signature-${index}.der`);
      writeFileSync(statementPath, checkpoint.statement);
      writeFileSync(signaturePath, Buffer.from(checkpoint.signature, 'base64'));
      const output = execFileSync(
        'openssl',
        ['dgst', '-sha256', '-verify', publicKeyPath, '-signature', signaturePath, statementPath],
        { encoding: 'utf8' },
      );
      expect(output.trim()).toBe('Verified OK');
    }

    // The independent verifier written from docs/AUDIT.md alone accepts the server's export.
    const exportPath = join(dataDir, 'export.ndjson');
    writeFileSync(exportPath, response.body);
    const independent = execFileSync('python3', [INDEPENDENT_VERIFIER, exportPath, signerPath], { encoding: 'utf8' });
    expect(independent).toMatch(/^intact: \d+ rows, \d+ checkpoints/);

    // The export is itself recorded, with the checkpoint that ended it.
    const recorded = auditRows(app).filter((row) => row.operation === 'audit.export');
    expect(recorded).toEqual([expect.objectContaining({ actor: auditor.principal.actor })]);
  });

  it('exports a time range, and CSV with its headers', async () => {
    testApp = await buildTestApp();
    const { app } = testApp;
    const admin = await actAs(app.services, 'admin');
    const before = new Date(Date.now() - 1000).toISOString();
    const csv = await exportAs(app, admin.headers, `format=csv&from=${encodeURIComponent(before)}`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/\.csv"$/);
    const [header, ...records] = csv.body.trimEnd().split('\r\n');
    expect(header).toBe(
      'seq,id,timestamp,actor,operation,entity_type,entity_id,status,details,kms_operation_id,request_id,prev_hash,hash',
    );
    expect(records.length).toBeGreaterThan(0);
    const empty = await exportAs(app, admin.headers, `format=ndjson&to=2001-01-01T00:00:00Z`);
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toBe('');
    const refused = await exportAs(app, admin.headers, 'format=xml');
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('is for auditors and admins only', async () => {
    testApp = await buildTestApp();
    const { app } = testApp;
    const operator = await actAs(app.services, 'operator');
    expect((await exportAs(app, operator.headers)).statusCode).toBe(403);
    expect((await exportAs(app, { 'x-pki-request': '1' })).statusCode).toBe(401);
  });
});

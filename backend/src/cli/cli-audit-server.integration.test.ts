/**
 * `pki audit signer|export|verify` against a running server: the commands over the
 * procedures and route of issue 12's audit-server part (audit.signer, audit.verify,
 * audit.verifyStatus, GET /audit/export). Written against their agreed shapes; it passes
 * once that part is merged. The export the server streams must pass the offline verifier.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestApp } from '../../test/helpers.js';
import { tokenAs } from '../../test/harness/act-as.js';
import { EXIT_CODES } from './exit-codes.js';
import { listeningTestApp, runCliInProcess } from '../../test/harness/cli-in-process.js';

let testApp: TestApp;
let baseUrl: string;
let auditorToken: string;
let workDir: string;

function pki(argv: string[]) {
  return runCliInProcess(argv, { serverUrl: baseUrl, token: auditorToken });
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'pki-cli-audit-server-'));
  ({ testApp, baseUrl } = await listeningTestApp());
  auditorToken = (await tokenAs(testApp.app.services, 'auditor')).secret;
});

afterAll(async () => {
  await testApp?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('pki audit signer, export and verify against a running server', () => {
  it('writes the signer, streams an export that verifies offline, and verifies on the server', async () => {
    const signerFile = join(workDir, 'signer.pem');
    const signer = await pki(['audit', 'signer', '--out', signerFile]);
    expect(signer.code, signer.stderr).toBe(EXIT_CODES.ok);
    expect(readFileSync(signerFile, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(signer.stderr).toMatch(/^SHA-256 fingerprint [0-9a-f]{64}\n$/);

    const exportFile = join(workDir, 'audit.ndjson');
    const exported = await pki(['audit', 'export', '--format', 'ndjson', '--out', exportFile]);
    expect(exported.code, exported.stderr).toBe(EXIT_CODES.ok);
    expect(exported.stderr).toMatch(/^wrote \d+ lines/);
    const offline = await pki(['audit', 'verify', '--file', exportFile, '--signer', signerFile]);
    expect(offline.code, offline.stderr).toBe(EXIT_CODES.ok);
    expect(offline.stdout).toMatch(/^intact: /);

    const csvFile = join(workDir, 'audit.csv');
    const csv = await pki(['audit', 'export', '--format', 'csv', '--out', csvFile, '--since', '1h']);
    expect(csv.code, csv.stderr).toBe(EXIT_CODES.ok);
    expect(readFileSync(csvFile, 'utf8').split('\r\n')[0]).toMatch(/^seq,id,timestamp,actor,operation/);

    const onServer = await pki(['audit', 'verify', '--full']);
    expect(onServer.code, onServer.stderr).toBe(EXIT_CODES.ok);
    expect(onServer.stdout).toMatch(/^intact: /);
  });
});

/**
 * `pki audit list|get|summary` and `pki certs custody` in process against a real server on a
 * free port, as an auditor's API token. The commands that need audit-server's procedures
 * (export, signer, server-side verify) are in cli-audit-server.integration.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestApp } from '../../test/helpers.js';
import { opensslCsr, scratchDir } from '../../test/harness/openssl.js';
import type { ScratchDir } from '../../test/harness/openssl.js';
import { systemContext } from '../request-context.js';
import { tokenAs } from '../../test/harness/act-as.js';
import { EXIT_CODES } from './exit-codes.js';
import { listeningTestApp, runCliInProcess } from '../../test/harness/cli-in-process.js';

let testApp: TestApp;
let baseUrl: string;
let auditorToken: string;
let workDir: string;
let scratch: ScratchDir;
let serialHex: string;

function pki(argv: string[]) {
  return runCliInProcess(argv, { serverUrl: baseUrl, token: auditorToken });
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'pki-cli-audit-'));
  scratch = scratchDir('pki-cli-audit-csr-');
  ({ testApp, baseUrl } = await listeningTestApp());
  const { services } = testApp.app;
  const root = await services.pki.cas.createRoot(systemContext('cli-audit-test', 'req-cli-root'), {
    name: 'cli-audit-root',
    subject: { commonName: 'CLI Audit Root' },
    algorithm: 'ec-p384',
    validityDays: 365,
  });
  const { csrPem } = opensslCsr(scratch, 'leaf', { key: 'ec:P-256', subject: '/CN=cli.audit.test' });
  const issued = await services.pki.certificates.issueFromCsr(systemContext('cli-audit-test', 'req-cli-leaf'), {
    caId: root.id,
    profile: 'tls-server',
    csr: csrPem,
  });
  serialHex = issued.certificate.serialHex;
  auditorToken = (await tokenAs(services, 'auditor')).secret;
});

afterAll(async () => {
  await testApp?.close();
  scratch?.remove();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('pki audit against a running server', () => {
  it('lists the rows of one request, oldest first, and gets one row', async () => {
    const listed = await pki(['--json', 'audit', 'list', '--request-id', 'req-cli-leaf', '--oldest-first']);
    expect(listed.code, listed.stderr).toBe(EXIT_CODES.ok);
    const { items } = JSON.parse(listed.stdout) as { items: { seq: number; operation: string }[] };
    expect(items.map((item) => item.operation)).toEqual(['kms.sign', 'certificate.issue']);
    expect((items[0]?.seq ?? 0) < (items[1]?.seq ?? 0)).toBe(true);

    const table = await pki(['audit', 'list', '--since', '1h', '--operation', 'certificate.issue']);
    expect(table.code, table.stderr).toBe(EXIT_CODES.ok);
    expect(table.stdout).toMatch(/^SEQ\s+TIME\s+ACTOR\s+OPERATION\s+ENTITY\s+STATUS\s+REQUEST\n/);
    expect(table.stdout).toMatch(
      /system:cli-audit-test\s+certificate\.issue\s+certificate:\S+\s+success\s+req-cli-leaf/,
    );

    const row = await pki(['audit', 'get', String(items[0]?.seq)]);
    expect(row.code, row.stderr).toBe(EXIT_CODES.ok);
    expect(row.stdout).toMatch(/^operation\s+kms\.sign$/m);
    expect(row.stdout).toMatch(/^prev hash\s+[0-9a-f]{64}$/m);
  });

  it('refuses an entity without its id and a bad --since before sending anything', async () => {
    expect((await pki(['audit', 'list', '--entity', 'certificate'])).code).toBe(EXIT_CODES.usage);
    const since = await pki(['audit', 'list', '--since', 'yesterday']);
    expect(since.code).toBe(EXIT_CODES.usage);
    expect(since.stderr).toMatch(/--since <when>.*duration back from now/);
  });

  it('answers a seq past the tip with NOT_FOUND (exit 1)', async () => {
    const result = await pki(['audit', 'get', '999999']);
    expect(result.code).toBe(EXIT_CODES.failed);
    expect(result.stderr).toMatch(/^pki: error: seq: no audit row 999999 \(AUDIT_ROW_NOT_FOUND, request id /);
  });

  it('summarizes a period for people and as CSV', async () => {
    const human = await pki(['audit', 'summary', '--since', '1h']);
    expect(human.code, human.stderr).toBe(EXIT_CODES.ok);
    expect(human.stdout).toMatch(/^BY OPERATION\s+COUNT$/m);
    expect(human.stdout).toMatch(/^CAS CREATED: 1$/m);
    const csvFile = join(workDir, 'summary.csv');
    const csv = await pki(['audit', 'summary', '--since', '1h', '--csv', '--out', csvFile]);
    expect(csv.code, csv.stderr).toBe(EXIT_CODES.ok);
    const text = readFileSync(csvFile, 'utf8');
    expect(text.startsWith('section,name,count,seq,timestamp,actor,operation,entity,status,error\r\n')).toBe(true);
    expect(text).toMatch(/\r\noperation,certificate\.issue,1,/);
    expect(text).toMatch(/\r\nCA created,,,\d+,/);
  });

  it('shows the custody evidence of a certificate, serial with colons', async () => {
    const withColons = serialHex.replace(/(..)(?=.)/g, '$1:');
    const result = await pki(['certs', 'custody', withColons, '--ca', 'cli-audit-root']);
    expect(result.code, result.stderr).toBe(EXIT_CODES.ok);
    expect(result.stdout).toMatch(/^backend\s+local$/m);
    expect(result.stdout).toMatch(/^sensitive\s+yes$/m);
    expect(result.stdout).toMatch(/^never extractable\s+yes$/m);
    expect(result.stdout).toMatch(/^signature row\s+seq \d+, .*, request req-cli-leaf$/m);
    expect(result.stdout).toMatch(/^checkpoint\s+not yet covered by a checkpoint$/m);
  });
});

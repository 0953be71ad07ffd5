/**
 * The `pki` CLI end to end, as a user runs it: a child process (node + tsx on
 * src/cli/main.ts) against a real server listening on a free port. Create a root and an
 * intermediate, issue from an openssl-made CSR, revoke, fetch the CRL, then stop the server
 * and see exit code 3. The CLI imports @pki/shared's build, so it is rebuilt when stale.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestApp } from '../../test/helpers.js';
import { listeningTestApp } from '../../test/harness/cli-in-process.js';
import { opensslCsr, scratchDir } from '../../test/harness/openssl.js';
import type { ScratchDir } from '../../test/harness/openssl.js';
import { tokenAs } from '../../test/harness/act-as.js';
import { rebuildSharedIfStale, runCliProcess } from '../../test/harness/cli-process.js';
import type { CliResult } from '../../test/harness/cli-process.js';

/** The CLI as an admin's API token (issue 11: nothing is anonymous any more). */
function pki(args: readonly string[], options: { stdin?: string; url?: string } = {}): Promise<CliResult> {
  return runCliProcess(args, {
    cwd: workDir,
    env: { PATH: process.env.PATH ?? '', HOME: workDir, PKI_URL: options.url ?? baseUrl, PKI_TOKEN: adminToken },
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
  });
}

function opensslSync(args: readonly string[]): string {
  return execFileSync('openssl', args, { cwd: workDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let testApp: TestApp;
let baseUrl: string;
let scratch: ScratchDir;
let workDir: string;
let leafSerial: string;
let adminToken: string;

beforeAll(async () => {
  rebuildSharedIfStale();
  scratch = scratchDir('pki-cli-');
  workDir = scratch.path;
  ({ testApp, baseUrl } = await listeningTestApp());
  adminToken = (await tokenAs(testApp.app.services, 'admin')).secret;
});

afterAll(async () => {
  await testApp?.close();
  scratch?.remove();
});

describe('pki against a running server', () => {
  it('reports status and creates a root and an intermediate named by name', async () => {
    const status = await pki(['status']);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/key store\s+local \(embedded\): up/);

    const root = await pki([
      'ca',
      'create-root',
      '--name',
      'cli-root',
      '--algorithm',
      'ec-p384',
      '--days',
      '3650',
      '--org',
      'CLI Test',
      '--json',
    ]);
    expect(root.code, root.stderr).toBe(0);
    expect(JSON.parse(root.stdout)).toMatchObject({
      name: 'cli-root',
      status: 'active',
      isRoot: true,
      keyAlgorithm: 'ec-p384',
    });

    const intermediate = await pki([
      'ca',
      'create-intermediate',
      '--parent',
      'cli-root',
      '--name',
      'cli-int',
      '--algorithm',
      'ec-p256',
      '--days',
      '1000',
      '--path-length',
      '0',
    ]);
    expect(intermediate.code, intermediate.stderr).toBe(0);
    expect(intermediate.stdout).toMatch(/path length\s+0/);

    const list = await pki(['ca', 'list']);
    expect(list.stdout).toMatch(/cli-int\s+active\s+ec-p256\s+cli-root/);
  });

  it('issues from an openssl CSR; openssl verifies the leaf against the downloaded CA certificates', async () => {
    opensslCsr(scratch, 'leaf', { key: 'ec:P-256', subject: '/CN=cli.example.test' });
    const issued = await pki([
      'issue',
      '--ca',
      'cli-int',
      '--profile',
      'tls-server',
      '--csr',
      'leaf.csr',
      '--out',
      'leaf.pem',
      '--chain-out',
      'chain.pem',
    ]);
    expect(issued.code, issued.stderr).toBe(0);
    expect(issued.stdout).toContain('wrote certificate to leaf.pem');
    leafSerial = /serial\s+([0-9a-f]+)/.exec(issued.stdout)?.[1] ?? '';
    expect(leafSerial).toMatch(/^[0-9a-f]{20,}$/);

    expect((await pki(['ca', 'cert', 'cli-root', '--out', 'root.pem'])).code).toBe(0);
    expect((await pki(['ca', 'cert', 'cli-int', '--out', 'int.pem'])).code).toBe(0);
    expect(
      opensslSync(['verify', '-x509_strict', '-CAfile', 'root.pem', '-untrusted', 'int.pem', 'leaf.pem']),
    ).toContain('leaf.pem: OK');
    expect(readFileSync(join(workDir, 'chain.pem'), 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(3);

    const colonsUpper = (leafSerial.match(/../g) ?? []).join(':').toUpperCase();
    const shown = await pki(['certs', 'get', colonsUpper, '--ca', 'cli-int', '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      serialHex: leafSerial,
      status: 'active',
      sans: ['dns:cli.example.test'],
    });
    const listed = await pki(['certs', 'list', '--search', 'cli.example', '--expiring-within', '120d', '--json']);
    expect(JSON.parse(listed.stdout).items.map((item: { serialHex: string }) => item.serialHex)).toEqual([leafSerial]);
  });

  it('revokes; the same revocation again succeeds, another reason is refused with exit 1, its code and the request id; the CRL lists it', async () => {
    const revoked = await pki(['revoke', leafSerial.toUpperCase(), '--ca', 'cli-int', '--reason', 'keyCompromise']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/status\s+revoked/);
    expect(revoked.stdout).toMatch(/CRL\s+published \(CRL number \d+\)/);

    const repeated = await pki(['revoke', leafSerial, '--ca', 'cli-int', '--reason', 'keyCompromise']);
    expect(repeated.code, repeated.stderr).toBe(0);
    expect(repeated.stdout).toMatch(/status\s+revoked/);

    const again = await pki(['revoke', leafSerial, '--ca', 'cli-int', '--reason', 'superseded']);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(
      /^pki: error: certificate [0-9a-f]+ \(as keyCompromise\) is already revoked \(ALREADY_REVOKED, request id cli-[0-9a-f]{12}-\d+\)$/m,
    );

    const crl = await pki(['ca', 'crl', 'cli-int', '--out', 'int.crl']);
    expect(crl.code, crl.stderr).toBe(0);
    const text = opensslSync(['crl', '-inform', 'DER', '-in', 'int.crl', '-noout', '-text']);
    expect(text).toContain(`Serial Number: ${leafSerial.toUpperCase()}`);
    expect(text).toContain('Key Compromise');
  });

  it('issues with a key generated in the key store and writes a PKCS#12 protected by the password from stdin', async () => {
    const password = 'correct horse battery';
    const issued = await pki(
      [
        'issue',
        '--ca',
        'cli-int',
        '--profile',
        'tls-server',
        '--server-key',
        '--cn',
        'svc.example.test',
        '--san',
        'dns:svc.example.test,ip:192.0.2.7',
        '--out',
        'svc.pem',
        '--p12-out',
        'svc.p12',
        '--p12-password-stdin',
      ],
      { stdin: `${password}\n` },
    );
    expect(issued.code, issued.stderr).toBe(0);
    const certificates = opensslSync(['pkcs12', '-in', 'svc.p12', '-passin', `pass:${password}`, '-nokeys']);
    expect(certificates).toContain('subject=CN = svc.example.test');
    const key = opensslSync(['pkcs12', '-in', 'svc.p12', '-passin', `pass:${password}`, '-nocerts', '-nodes']);
    expect(key).toContain('BEGIN PRIVATE KEY');
  });

  it('refuses keys destroy without the right label, and bad usage exits 2 from the real process', async () => {
    const keys = JSON.parse((await pki(['keys', 'list', '--json'])).stdout) as {
      id: string;
      label: string;
      purpose: string;
    }[];
    const caKey = keys.find((key) => key.purpose === 'ca');
    expect(caKey).toBeDefined();
    const destroy = await pki(['keys', 'destroy', caKey!.id, '--confirm', 'wrong-label']);
    expect(destroy.code).toBe(1);
    expect(destroy.stderr).toContain('KEY_LABEL_MISMATCH');

    const usage = await pki(['issue', '--ca', 'cli-int', '--profile', 'tls-server']);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim()).toBe('pki: error: pki issue: give exactly one of --csr FILE or --server-key');
  });

  it('exits 3 once the server is stopped', async () => {
    const url = baseUrl;
    await testApp.app.close();
    const result = await pki(['ca', 'list'], { url });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^pki: error: cannot reach the PKI Manager server at http:\/\/127\.0\.0\.1:\d+\/: ECONNREFUSED/,
    );
  });
});

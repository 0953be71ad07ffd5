/**
 * The public PKI routes against a listening app, judged by openssl: `openssl ocsp` over
 * HTTP answers good then revoked, `openssl crl -verify` accepts the served CRL and lists the
 * revoked serial with its reason, and the CA certificates served as PEM and DER chain up.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { createCaHierarchy } from '../../test/harness/ca-hierarchy.js';
import { actAs } from '../../test/harness/act-as.js';
import type { Actor } from '../../test/harness/act-as.js';
import { opensslCsr, scratchDir } from '../../test/harness/openssl.js';
import type { ScratchDir } from '../../test/harness/openssl.js';
import { listenOnLoopback } from '../../test/harness/ports.js';

/** Asynchronous on purpose: the server answering openssl runs in this same process. */
function openssl(args: readonly string[]): Promise<{ status: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`openssl could not run: ${error.message}`));
      else resolve({ status: typeof error?.code === 'number' ? error.code : 0, output: `${stdout}${stderr}` });
    });
  });
}

let testApp: TestApp;
let admin: Actor;
let baseUrl: string;
let dir: ScratchDir;
let rootId: string;
let intermediateId: string;
let leafSerial: string;
const file = (name: string) => join(dir.path, name);

beforeAll(async () => {
  dir = scratchDir('pki-http-');
  testApp = await buildTestApp();
  baseUrl = await listenOnLoopback(testApp.app);

  admin = await actAs(testApp.app.services, 'admin');
  const caller = admin.caller;
  const { root, issuing } = await createCaHierarchy(caller.cas, {
    root: { name: 'http-root', subject: { commonName: 'HTTP Test Root' }, validityDays: 3650 },
    issuing: {
      name: 'http-intermediate',
      subject: { commonName: 'HTTP Test Intermediate' },
      algorithm: 'ec-p256',
      validityDays: 1825,
      pathLength: 0,
    },
  });
  rootId = root.id;
  intermediateId = issuing.id;

  const { csrPem } = opensslCsr(dir, 'leaf', { key: 'ec:P-256', subject: '/CN=www.example.test' });
  const issued = await caller.certificates.issueFromCsr({ caId: issuing.id, profile: 'tls-server', csr: csrPem });
  leafSerial = issued.certificate.serialHex;
  writeFileSync(file('leaf.pem'), issued.certificatePem);
});

afterAll(async () => {
  await testApp?.close();
  dir?.remove();
});

async function download(path: string): Promise<Response> {
  return fetch(`${baseUrl}${path}`);
}

describe('CA certificates', () => {
  it('serves PEM and DER that openssl chains the leaf to', async () => {
    const rootPem = await download(`/ca/${rootId}.pem`);
    expect(rootPem.status).toBe(200);
    expect(rootPem.headers.get('content-type')).toMatch(/^application\/x-pem-file/);
    writeFileSync(file('root.pem'), await rootPem.text());

    const intermediateDer = await download(`/ca/${intermediateId}.crt`);
    expect(intermediateDer.headers.get('content-type')).toBe('application/pkix-cert');
    writeFileSync(file('intermediate.der'), Buffer.from(await intermediateDer.arrayBuffer()));
    const converted = await openssl([
      'x509',
      '-inform',
      'DER',
      '-in',
      file('intermediate.der'),
      '-out',
      file('intermediate.pem'),
    ]);
    expect(converted.status, converted.output).toBe(0);
    writeFileSync(
      file('chain.pem'),
      readFileSync(file('intermediate.pem'), 'utf8') + readFileSync(file('root.pem'), 'utf8'),
    );

    const verified = await openssl([
      'verify',
      '-x509_strict',
      '-CAfile',
      file('root.pem'),
      '-untrusted',
      file('intermediate.pem'),
      file('leaf.pem'),
    ]);
    expect(verified.output).toContain('leaf.pem: OK');
  });

  it('answers 404 with the request id for an unknown CA or a wrong extension', async () => {
    const unknown = await fetch(`${baseUrl}/ca/nope.pem`, { headers: { 'x-request-id': 'req-ca-404' } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'CA_NOT_FOUND', requestId: 'req-ca-404' });
    expect((await download(`/ca/${rootId}.exe`)).status).toBe(404);
  });
});

describe('OCSP and CRL through openssl', () => {
  const ocspCheck = () =>
    openssl([
      'ocsp',
      '-issuer',
      file('intermediate.pem'),
      '-cert',
      file('leaf.pem'),
      '-url',
      `${baseUrl}/ocsp`,
      '-CAfile',
      file('chain.pem'),
    ]);

  it('answers good, then revoked after revocation; the CRL lists the serial with its reason', async () => {
    const before = await ocspCheck();
    expect(before.output).toContain('Response verify OK');
    expect(before.output).toMatch(/leaf\.pem: good/);

    const { caller } = await actAs(testApp.app.services, 'operator');
    await caller.certificates.revoke({ caId: intermediateId, serialHex: leafSerial, reason: 'keyCompromise' });

    const after = await ocspCheck();
    expect(after.output).toContain('Response verify OK');
    expect(after.output).toMatch(/leaf\.pem: revoked/);
    expect(after.output).toContain('Reason: keyCompromise');

    const crl = await download(`/crl/${intermediateId}.crl`);
    expect(crl.status).toBe(200);
    expect(crl.headers.get('content-type')).toBe('application/pkix-crl');
    writeFileSync(file('intermediate.crl'), Buffer.from(await crl.arrayBuffer()));
    const checked = await openssl([
      'crl',
      '-inform',
      'DER',
      '-in',
      file('intermediate.crl'),
      '-CAfile',
      file('chain.pem'),
      '-verify',
      '-noout',
      '-text',
    ]);
    expect(checked.output).toContain('verify OK');
    expect(checked.output).toContain(`Serial Number: ${leafSerial.toUpperCase()}`);
    expect(checked.output).toContain('Key Compromise');

    const pem = await download(`/crl/${intermediateId}.pem`);
    expect(await pem.text()).toMatch(/^-----BEGIN X509 CRL-----\n/);

    const rejected = await openssl([
      'verify',
      '-crl_check',
      '-CRLfile',
      file('intermediate.crl'),
      '-CAfile',
      file('chain.pem'),
      file('leaf.pem'),
    ]);
    expect(rejected.output).toContain('certificate revoked');
  });

  it('answers the RFC 6960 A.1 GET form with the same status as POST', async () => {
    const made = await openssl([
      'ocsp',
      '-issuer',
      file('intermediate.pem'),
      '-cert',
      file('leaf.pem'),
      '-no_nonce',
      '-reqout',
      file('request.der'),
    ]);
    expect(made.status, made.output).toBe(0);
    const encoded = encodeURIComponent(readFileSync(file('request.der')).toString('base64'));
    const response = await download(`/ocsp/${encoded}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/ocsp-response');
    writeFileSync(file('response.der'), Buffer.from(await response.arrayBuffer()));
    const read = await openssl([
      'ocsp',
      '-respin',
      file('response.der'),
      '-issuer',
      file('intermediate.pem'),
      '-cert',
      file('leaf.pem'),
      '-CAfile',
      file('chain.pem'),
    ]);
    expect(read.output).toContain('Response verify OK');
    expect(read.output).toMatch(/leaf\.pem: revoked/);
  });
});

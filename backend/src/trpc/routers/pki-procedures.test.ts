/**
 * The CA procedures on the real app (local key store, SQLite in a temporary directory),
 * through createCaller and over HTTP: typed outputs, and the error edge — each refusal
 * mapped once to a tRPC code with our stable appCode, a user-safe message and the request id.
 * EC keys throughout so the file stays fast; the RSA matrix is pki/'s.
 */
import { generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../../test/helpers.js';
import type { TestApp } from '../../../test/helpers.js';
import { createCaHierarchy } from '../../../test/harness/ca-hierarchy.js';
import { actAs, callerFor } from '../../../test/harness/act-as.js';

let testApp: TestApp;
let caller: ReturnType<typeof callerFor>;
/** The admin's session cookie and the console's header. */
let adminHeaders: Record<string, string>;
let workDir: string;
let rootId: string;
let intermediateId: string;

/** A CSR made by openssl, the independent tool a requester would use. */
function opensslCsr(commonName: string): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPath = join(workDir, `${commonName}.key`);
  writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return execFileSync('openssl', ['req', '-new', '-key', keyPath, '-subj', `/CN=${commonName}`], { encoding: 'utf8' });
}

type ErrorBody = {
  error: { message: string; data: { code: string; appCode: string; requestId: string; stack?: string } };
};

async function mutateOverHttp(path: string, input: unknown, requestId: string) {
  const response = await testApp.app.inject({
    method: 'POST',
    url: `/trpc/${path}`,
    headers: { ...adminHeaders, 'content-type': 'application/json', 'x-request-id': requestId },
    payload: JSON.stringify(input),
  });
  return { status: response.statusCode, body: response.json<ErrorBody & { result?: { data: unknown } }>() };
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'pki-procedures-'));
  testApp = await buildTestApp();
  const admin = await actAs(testApp.app.services, 'admin');
  adminHeaders = admin.headers;
  caller = callerFor(testApp.app.services, admin.principal, 'req-setup');
  const { root, issuing } = await createCaHierarchy(caller.cas, {
    root: { name: 'Proc Root', subject: { commonName: 'Proc Root', country: 'FR' }, validityDays: 3650 },
    issuing: { name: 'Proc Intermediate', algorithm: 'ec-p256', validityDays: 1000, pathLength: 0 },
  });
  rootId = root.id;
  intermediateId = issuing.id;
});

afterAll(async () => {
  await testApp?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('cas procedures', () => {
  it('lists and gets CAs by id or by name', async () => {
    const cas = await caller.cas.list();
    expect(cas.map((ca) => ca.name).sort()).toEqual(['Proc Intermediate', 'Proc Root']);
    const byName = await caller.cas.get({ caId: 'Proc Intermediate' });
    expect(byName).toMatchObject({
      id: intermediateId,
      parentId: rootId,
      pathLength: 0,
      status: 'active',
      keyAlgorithm: 'ec-p256',
      isRoot: false,
    });
    expect(await caller.cas.get({ caId: rootId })).toMatchObject({
      name: 'Proc Root',
      isRoot: true,
      subjectDn: expect.stringContaining('CN=Proc Root'),
    });
  });

  it('refuses a duplicate name as CONFLICT over HTTP, with appCode and request id and no stack', async () => {
    const { status, body } = await mutateOverHttp(
      'cas.createRoot',
      { name: 'Proc Root', subject: { commonName: 'Again' }, algorithm: 'ec-p384', validityDays: 10 },
      'req-dup',
    );
    expect(status).toBe(409);
    expect(body.error.data).toMatchObject({ code: 'CONFLICT', appCode: 'CA_NAME_TAKEN', requestId: 'req-dup' });
    expect(body.error.data.stack).toBeUndefined();
  });

  it('answers zod failures as BAD_REQUEST naming the field', async () => {
    const { status, body } = await mutateOverHttp(
      'cas.createRoot',
      { name: 'x', subject: { commonName: 'x' }, algorithm: 'rsa-1024', validityDays: 10 },
      'req-zod',
    );
    expect(status).toBe(400);
    expect(body.error.data).toMatchObject({ appCode: 'VALIDATION_FAILED', requestId: 'req-zod' });
    expect(JSON.stringify(body.error.data)).toContain('algorithm');
  });
});

describe('certificates procedures', () => {
  it('issues from an openssl CSR and gets it back by CA and serial in any spelling', async () => {
    const issued = await caller.certificates.issueFromCsr({
      caId: intermediateId,
      profile: 'tls-server',
      csr: opensslCsr('api.example.test'),
    });
    expect(issued.certificate).toMatchObject({
      caId: intermediateId,
      status: 'active',
      profile: 'tls-server',
      sans: ['dns:api.example.test'],
    });
    expect(issued.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const colonUpper = (issued.certificate.serialHex.match(/../g) ?? []).join(':').toUpperCase();
    expect(await caller.certificates.get({ caId: intermediateId, serialHex: colonUpper })).toMatchObject({
      id: issued.certificate.id,
    });

    writeFileSync(join(workDir, 'leaf.pem'), issued.certificatePem);
    writeFileSync(join(workDir, 'chain.pem'), issued.chainPem);
    const text = execFileSync('openssl', ['x509', '-in', join(workDir, 'leaf.pem'), '-noout', '-serial'], {
      encoding: 'utf8',
    });
    expect(text.trim()).toBe(`serial=${issued.certificate.serialHex.toUpperCase()}`);

    const pkcs7 = await caller.certificates.export({ id: issued.certificate.id, format: 'pkcs7' });
    expect(pkcs7.encoding).toBe('base64');
    writeFileSync(join(workDir, 'bundle.p7b'), Buffer.from(pkcs7.content, 'base64'));
    const printed = execFileSync(
      'openssl',
      ['pkcs7', '-inform', 'DER', '-in', join(workDir, 'bundle.p7b'), '-print_certs', '-noout'],
      { encoding: 'utf8' },
    );
    expect(printed).toContain('subject=CN = api.example.test');
    expect(readFileSync(join(workDir, 'chain.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('refuses a garbage CSR as BAD_REQUEST CSR_MALFORMED over HTTP', async () => {
    const { status, body } = await mutateOverHttp(
      'certificates.issueFromCsr',
      { caId: intermediateId, profile: 'tls-server', csr: 'hello' },
      'req-csr',
    );
    expect(status).toBe(400);
    expect(body.error.data).toMatchObject({ appCode: 'CSR_MALFORMED', requestId: 'req-csr' });
  });

  it('refuses validity beyond the profile as UNPROCESSABLE_CONTENT and an unknown CA as NOT_FOUND', async () => {
    const tooLong = await mutateOverHttp(
      'certificates.issueFromCsr',
      { caId: intermediateId, profile: 'tls-server', csr: opensslCsr('long.example.test'), validityDays: 399 },
      'req-long',
    );
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error.data.appCode).toBe('VALIDITY_EXCEEDS_PROFILE');
    const unknown = await mutateOverHttp(
      'certificates.issueFromCsr',
      { caId: 'no-such-ca', profile: 'tls-server', csr: opensslCsr('x.example.test') },
      'req-ca',
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.data.appCode).toBe('CA_NOT_FOUND');
  });

  it('lists by keyset pages without repeats and filters by text, status and CA', async () => {
    for (const name of ['a', 'b', 'c'])
      await caller.certificates.issueFromCsr({
        caId: intermediateId,
        profile: 'tls-server',
        csr: opensslCsr(`${name}.page.example.test`),
      });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await caller.certificates.list({
        caId: intermediateId,
        search: 'page.example',
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((item) => item.commonName ?? ''));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['c.page.example.test', 'b.page.example.test', 'a.page.example.test']);

    const [target] = (await caller.certificates.list({ search: 'b.page' })).items;
    await caller.certificates.revoke({ id: target!.id, reason: 'superseded' });
    const revoked = await caller.certificates.list({ status: 'revoked', caId: 'Proc Intermediate' });
    expect(revoked.items.map((item) => item.commonName)).toEqual(['b.page.example.test']);
    expect(revoked.items[0]).toMatchObject({ revocationReason: 'superseded' });
  });
});

describe('keys procedures', () => {
  it('lists keys without key material and guards a CA key with live certificates', async () => {
    const keys = await caller.keys.list({});
    const intermediateKey = keys.find((key) => key.id === testApp.app.services.pki.cas.get(intermediateId).keyId);
    expect(intermediateKey).toMatchObject({ purpose: 'ca', state: 'active', algorithm: 'ec-p256' });
    expect(JSON.stringify(keys)).not.toMatch(/publicKeySpki|privateKeyRef/);

    const details = await caller.keys.get({ keyId: intermediateKey!.id });
    expect(details).toMatchObject({ id: intermediateKey!.id, kmsState: 'active' });

    const refused = await mutateOverHttp(
      'keys.revoke',
      { keyId: intermediateKey!.id, reason: 'superseded' },
      'req-guard',
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error.data).toMatchObject({ appCode: 'KEY_HAS_LIVE_CERTIFICATES', requestId: 'req-guard' });
  });

  it('destroys only with the label typed back, after a forced revocation', async () => {
    const rootKeyId = testApp.app.services.pki.cas.get(rootId).keyId;
    const [rootKey] = (await caller.keys.list({})).filter((key) => key.id === rootKeyId);
    const revoked = await caller.keys.revoke({
      keyId: rootKeyId,
      reason: 'cessationOfOperation',
      isForced: true,
      forceReason: 'test teardown',
    });
    expect(revoked.state).not.toBe('active');

    const mismatch = await mutateOverHttp(
      'keys.destroy',
      { keyId: rootKeyId, confirmLabel: 'not-the-label', isForced: true, forceReason: 'test' },
      'req-label',
    );
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.data.appCode).toBe('KEY_LABEL_MISMATCH');
    expect(mismatch.body.error.message).toContain(rootKey!.label);

    const destroyed = await caller.keys.destroy({
      keyId: rootKeyId,
      confirmLabel: rootKey!.label,
      isForced: true,
      forceReason: 'test teardown',
    });
    expect(destroyed).toMatchObject({ state: 'destroyed', destroyedAt: expect.any(String) });

    const audit = await caller.audit.list({ entityType: 'kms_key', entityId: rootKeyId });
    expect(audit.items.map((row) => row.operation)).toEqual(
      expect.arrayContaining(['key.destroy', 'kms.destroyKey', 'key.revoke', 'kms.revokeKey']),
    );
    expect((await caller.audit.verifyChain()).isValid).toBe(true);
  });
});

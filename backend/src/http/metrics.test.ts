/**
 * `/metrics` on the real app: the scraped counts follow real issuances, revocations, key
 * store operations and refusals (counted from committed audit rows, plus the edge's own).
 */
import { generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { REQUEST_HEADER } from './request-guard.js';
import { actAs, tokenAs } from '../../test/harness/act-as.js';

let testApp: TestApp | undefined;

afterEach(async () => {
  await testApp?.close();
  testApp = undefined;
});

function opensslCsr(workDir: string, commonName: string): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPath = join(workDir, `${commonName}.key`);
  writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return execFileSync('openssl', ['req', '-new', '-key', keyPath, '-subj', `/CN=${commonName}`], { encoding: 'utf8' });
}

/** The value of one sample line of the exposition, e.g. `pki_errors_total{code="NOT_FOUND"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  it('counts issuances, revocations, sign-ins, key store latency and errors by code', async () => {
    testApp = await buildTestApp();
    const { app } = testApp;
    const workDir = mkdtempSync(join(tmpdir(), 'pki-metrics-'));
    try {
      const admin = await actAs(app.services, 'admin');
      const { caller } = admin;
      const scraper = await tokenAs(app.services, 'auditor', { creator: admin });
      const root = await caller.cas.createRoot({
        name: 'Metrics Root',
        subject: { commonName: 'Metrics Root' },
        algorithm: 'ec-p384',
        validityDays: 3650,
      });
      const issued = [];
      for (const name of ['one', 'two', 'three']) {
        issued.push(
          await caller.certificates.issueFromCsr({
            caId: root.id,
            profile: 'tls-client',
            csr: opensslCsr(workDir, name),
          }),
        );
      }
      await caller.certificates.revoke({ id: issued[0]?.certificate.id ?? '', reason: 'keyCompromise' });
      // A refused issuance (its failure row carries the code), a query of an unknown key (no
      // row: counted at the edge), and invalid input over HTTP (no row either).
      await expect(
        caller.certificates.issueFromCsr({ caId: 'no-such-ca', profile: 'tls-client', csr: opensslCsr(workDir, 'x') }),
      ).rejects.toThrow();
      await expect(caller.keys.get({ keyId: 'no-such-key' })).rejects.toThrow();
      const invalid = await app.inject({
        method: 'POST',
        url: '/trpc/certificates.revoke',
        headers: { ...admin.headers, 'content-type': 'application/json' },
        payload: JSON.stringify({ id: issued[1]?.certificate.id, reason: 'not-a-reason' }),
      });
      expect(invalid.statusCode).toBe(400);
      // A failed sign-in, as the console sends it (its failure row carries the code).
      const failedSignIn = await app.inject({
        method: 'POST',
        url: '/trpc/auth.signIn',
        headers: { [REQUEST_HEADER]: '1', 'content-type': 'application/json' },
        payload: JSON.stringify({ username: admin.username, password: 'not the password at all' }),
      });
      expect(failedSignIn.statusCode).toBe(401);

      const response = await app.inject({ method: 'GET', url: '/metrics', headers: scraper.headers });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = response.body;
      expect(sample(text, 'pki_certificates_issued_total{profile="tls-client",source="csr"}')).toBe(3);
      expect(sample(text, 'pki_certificates_revoked_total{reason="keyCompromise"}')).toBe(1);
      // The CA's key and certificate, three certificates, the revocation's CRL.
      expect(
        sample(
          text,
          'pki_key_store_operation_duration_seconds_count{operation="kms.sign",backend="local",status="success"}',
        ),
      ).toBeGreaterThanOrEqual(5);
      expect(
        sample(
          text,
          'pki_key_store_operation_duration_seconds_count{operation="kms.generateKeyPair",backend="local",status="success"}',
        ),
      ).toBe(1);
      expect(sample(text, 'pki_errors_total{code="CA_NOT_FOUND"}')).toBe(1);
      expect(sample(text, 'pki_errors_total{code="KMS_NOT_FOUND"}')).toBe(1);
      expect(sample(text, 'pki_errors_total{code="VALIDATION_FAILED"}')).toBe(1);
      // actAs and tokenAs signed the admin in once; then the failed attempt.
      expect(sample(text, 'pki_sign_ins_total{result="success"}')).toBe(1);
      expect(sample(text, 'pki_sign_ins_total{result="failure"}')).toBe(1);
      // Nothing counted twice: the one audited failure is in the log once, and counted once.
      const errorTotal = text
        .split('\n')
        .filter((line) => line.startsWith('pki_errors_total{'))
        .reduce((sum, line) => sum + Number(line.split(' ')[1]), 0);
      expect(errorTotal).toBe(4);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('refuses a scrape without a credential, and counts the anonymous refusal', async () => {
    testApp = await buildTestApp();
    const { app } = testApp;
    for (const headers of [{}, { authorization: 'Bearer pki_nope_not-a-real-token-at-all' }]) {
      const refused = await app.inject({ method: 'GET', url: '/metrics', headers });
      expect(refused.statusCode).toBe(401);
      expect(refused.body).not.toContain('pki_errors_total');
    }
    const scraper = await tokenAs(app.services, 'operator');
    const text = (await app.inject({ method: 'GET', url: '/metrics', headers: scraper.headers })).body;
    expect(sample(text, 'pki_anonymous_refusals_total')).toBe(2);
    expect(sample(text, 'pki_errors_total{code="UNAUTHENTICATED"}')).toBe(2);
  });

  it('answers without a credential when PKI_METRICS_PUBLIC=true', async () => {
    testApp = await buildTestApp({ PKI_METRICS_PUBLIC: 'true' });
    const response = await testApp.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('# TYPE pki_certificates_issued_total counter');
  });
});

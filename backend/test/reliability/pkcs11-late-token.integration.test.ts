/**
 * Issue 15: key-store outages, every driver: the `pkcs11` driver on SoftHSM2. The app starts
 * while its token is not there (configured by label, not yet initialized: an HSM partition
 * not yet assigned, a token not inserted): `/readyz` answers 503 naming the token, and once
 * the token is initialized, with no restart, the app becomes ready by itself and issues.
 */
import { execFileSync } from 'node:child_process';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { opensslCsr, scratchDir } from '../harness/openssl.js';
import type { ScratchDir } from '../harness/openssl.js';
import { createSoftHsmToken } from '../harness/softhsm.js';
import type { SoftHsmToken } from '../harness/softhsm.js';
import { buildTestApp } from '../helpers.js';
import type { TestApp } from '../helpers.js';
import { systemContext } from '../../src/request-context.js';

const LATE_LABEL = 'pki-late-token';
const LATE_PIN = '24681357';

describe('issue 15: the pkcs11 driver starts while its token is missing and becomes ready by itself', () => {
  let present: SoftHsmToken;
  let testApp: TestApp;
  let dir: ScratchDir;

  const readyz = async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/readyz' });
    return { statusCode: response.statusCode, reasons: response.json<{ reasons: string[] }>().reasons };
  };

  beforeAll(async () => {
    dir = scratchDir('pki-late-token-');
    // Another token is there; ours is not yet.
    present = await createSoftHsmToken({ tokenLabel: 'pki-other-token' });
    testApp = await buildTestApp({
      PKI_KMS_BACKEND: 'pkcs11',
      PKI_PKCS11_MODULE: present.modulePath,
      PKI_PKCS11_TOKEN_LABEL: LATE_LABEL,
      PKI_PKCS11_PIN: LATE_PIN,
      PKI_KMS_PROBE_INTERVAL_MS: '250',
    });
  });
  afterAll(async () => {
    await testApp?.close();
    await present?.cleanup();
    dir?.remove();
  });

  it('answers 503 naming the token, then 200 once it is initialized, and issues', async () => {
    const down = await readyz();
    console.log(`pkcs11 without its token: /readyz ${down.statusCode} ${down.reasons.join('; ')}`);
    expect(down.statusCode).toBe(503);
    expect(down.reasons.join(' ')).toContain(LATE_LABEL);

    execFileSync(
      'softhsm2-util',
      ['--init-token', '--free', '--label', LATE_LABEL, '--so-pin', '97531864', '--pin', LATE_PIN],
      { env: { ...process.env, ...present.env }, stdio: 'ignore' },
    );
    const started = Date.now();
    while ((await readyz()).statusCode !== 200) {
      if (Date.now() - started > 60_000) throw new Error(`still not ready: ${(await readyz()).reasons.join('; ')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const ctx = systemContext('test', 'late-token');
    const ca = await testApp.app.services.pki.cas.createRoot(ctx, {
      name: 'Late Token Root',
      subject: { commonName: 'Late Token Root' },
      algorithm: 'ec-p384',
      validityDays: 3650,
    });
    const { csrPem } = opensslCsr(dir, 'leaf', { key: 'ec:P-256', subject: '/CN=late-token.example.test' });
    const issued = await testApp.app.services.pki.certificates.issueFromCsr(ctx, {
      caId: ca.id,
      profile: 'tls-client',
      csr: csrPem,
      validityDays: 30,
    });
    expect(issued.certificate.status).toBe('active');
  });
});

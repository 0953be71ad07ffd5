/**
 * Issue 15: key-store outages with the `kmip` driver on a real PyKMIP server, built from
 * PKI_* variables as `pnpm start` would build it. The server is stopped in the middle of a
 * stream of issuances, and frozen with SIGSTOP (it accepts and never answers). Each time:
 * the first request fails within the configured timeout and retries with KMS_TIMEOUT or
 * KMS_UNAVAILABLE, the following ones fail at once (the circuit breaker, no key-store call),
 * /readyz and system.status show the outage, OCSP answers tryLater for what it has not
 * cached, and issuance resumes by itself once the probe finds the server again. Nothing is
 * half-done: every certificate row has its issuance row and its signature's row, the audit
 * chain verifies, and the keys are reconciled again after the outage.
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CaSummary } from '@pki/shared';

import { verifyAuditChain } from '../../src/audit/verify.js';
import { KmsError } from '../../src/kms/errors.js';
import { systemContext } from '../../src/request-context.js';
import { opensslCsr, run, scratchDir } from '../harness/openssl.js';
import type { ScratchDir } from '../harness/openssl.js';
import { buildTestApp } from '../helpers.js';
import type { TestApp } from '../helpers.js';
import { isPyKmipInstalled, startPyKmip } from '../harness/pykmip.js';
import type { PyKmipServer } from '../harness/pykmip.js';
import { kmipDriverEnvironment } from './kmip-driver-env.js';
import { opensslOcspRequest, postOcsp } from './ocsp-over-inject.js';

const TIMEOUT_MS = 5_000;
const ATTEMPTS = 2;
/** The configured bound of one key-store call: every attempt's timeout plus the backoff between them (1 s, ± jitter). */
const CALL_BOUND_MS = ATTEMPTS * TIMEOUT_MS + 1_500 * (ATTEMPTS - 1) + 2_000;
const ctx = systemContext('test', 'outage-test');

interface Attempt {
  ok: boolean;
  ms: number;
  code?: string;
  message?: string;
  serialHex?: string;
}

describe.skipIf(!isPyKmipInstalled())('issue 15: key-store outages on PyKMIP (kmip driver)', () => {
  let kmip: PyKmipServer;
  let testApp: TestApp;
  let dir: ScratchDir;
  let ca: CaSummary;
  let csrPem: string;
  let issuerFile: string;

  const env = () =>
    kmipDriverEnvironment(kmip, { namespace: `outage-${Date.now()}`, timeoutMs: TIMEOUT_MS, attempts: ATTEMPTS });

  const issue = async (): Promise<Attempt> => {
    const started = performance.now();
    try {
      const issued = await testApp.app.services.pki.certificates.issueFromCsr(ctx, {
        caId: ca.id,
        profile: 'tls-client',
        csr: csrPem,
        validityDays: 30,
      });
      return { ok: true, ms: performance.now() - started, serialHex: issued.certificate.serialHex };
    } catch (error) {
      const ms = performance.now() - started;
      if (!(error instanceof KmsError)) throw error;
      return { ok: false, ms, code: error.code, message: error.message };
    }
  };

  const readyz = async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/readyz' });
    return { statusCode: response.statusCode, body: response.json<{ reasons: string[] }>() };
  };

  /** Polls until `check` holds; fails the test (naming what it waited for) after `limitMs`. */
  const waitFor = async (what: string, check: () => Promise<boolean>, limitMs = 60_000) => {
    const started = Date.now();
    while (!(await check())) {
      if (Date.now() - started > limitMs) throw new Error(`still waiting after ${limitMs} ms for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return Date.now() - started;
  };

  const rowCount = (sql: string) => (testApp.app.services.database.sqlite.prepare(sql).get() as { n: number }).n;

  /**
   * An issued serial no OCSP answer was cached for, asked over HTTP. (A serial the CA never
   * issued is answered `unauthorized` without signing, so it would not show the outage.)
   */
  const ocspStatusOfFreshSerial = async (serialHex: string) => {
    const request = opensslOcspRequest(issuerFile, { serialHex }, join(dir.path, `ocsp-${serialHex}.der`));
    const responseFile = dir.write(`ocsp-${serialHex}-resp.der`, await postOcsp(testApp.app, request));
    return run('openssl', ['ocsp', '-respin', responseFile, '-resp_text', '-noverify']).output;
  };

  const expectNothingHalfDone = () => {
    const certificates = rowCount("SELECT count(*) AS n FROM certificates WHERE profile = 'tls-client'");
    const issued = rowCount(
      "SELECT count(*) AS n FROM audit_log WHERE operation = 'certificate.issue' AND status = 'success'",
    );
    const orphans = rowCount(
      `SELECT count(*) AS n FROM certificates c WHERE c.profile = 'tls-client' AND NOT EXISTS (
         SELECT 1 FROM audit_log a WHERE a.operation = 'certificate.issue' AND a.status = 'success' AND a.entity_id = c.id)`,
    );
    expect(orphans).toBe(0);
    expect(issued).toBe(certificates);
    // Each issued certificate's signature has its own success row (plus the CA's own and the CRLs').
    expect(
      rowCount("SELECT count(*) AS n FROM audit_log WHERE operation = 'kms.sign' AND status = 'success'"),
    ).toBeGreaterThanOrEqual(certificates);
    expect(verifyAuditChain(testApp.app.services.database.sqlite).isValid).toBe(true);
    return certificates;
  };

  beforeAll(async () => {
    dir = scratchDir('pki-outage-');
    kmip = await startPyKmip();
    ({ csrPem } = opensslCsr(dir, 'leaf', { key: 'ec:P-256', subject: '/CN=outage.example.test' }));
  });
  afterAll(async () => {
    kmip?.thaw();
    await testApp?.close();
    await kmip?.stop();
    dir?.remove();
  });

  it('starts while the key store is down (/readyz 503 with the reason) and becomes ready by itself', async () => {
    await kmip.halt();
    testApp = await buildTestApp(env());
    const down = await readyz();
    expect(down.statusCode).toBe(503);
    expect(down.body.reasons.join(' ')).toMatch(/key store: .*(unavailable|refused|ECONNREFUSED|no answer)/i);
    const status = await testApp.app.services.system.status();
    expect(status.kms.health.state).toBe('down');
    await kmip.start();
    const readyAfterMs = await waitFor(
      '/readyz 200 after PyKMIP came back',
      async () => (await readyz()).statusCode === 200,
    );
    process.stdout.write(`key store back: ready ${readyAfterMs} ms after PyKMIP answered again\n`);
    ca = await testApp.app.services.pki.cas.createRoot(ctx, {
      name: 'Outage Root',
      subject: { commonName: 'Outage Root' },
      algorithm: 'rsa-3072',
      validityDays: 3650,
    });
    issuerFile = dir.write('root.pem', testApp.app.services.pki.cas.getCertificatePem(ca.id));
  });

  for (const fault of ['stopped', 'frozen (SIGSTOP)'] as const) {
    it(`issuance with PyKMIP ${fault} mid-stream: bounded failure, then fail fast, then resumes by itself`, async () => {
      const before: Attempt[] = [];
      for (let index = 0; index < 5; index++) before.push(await issue());
      expect(before.every((attempt) => attempt.ok)).toBe(true);
      const reconcilesBefore = rowCount("SELECT count(*) AS n FROM audit_log WHERE operation = 'kms.reconcile'");

      if (fault === 'stopped') await kmip.halt();
      else kmip.freeze();
      const first = await issue();
      expect(first.ok).toBe(false);
      expect(['KMS_TIMEOUT', 'KMS_UNAVAILABLE']).toContain(first.code);
      // Never hangs: within the configured timeouts and retries.
      expect(first.ms).toBeLessThan(CALL_BOUND_MS);

      const following: Attempt[] = [];
      for (let index = 0; index < 20; index++) following.push(await issue());
      expect(following.every((attempt) => !attempt.ok && attempt.code === 'KMS_UNAVAILABLE')).toBe(true);
      expect(following.every((attempt) => attempt.message?.includes('key store unavailable since'))).toBe(true);
      const slowest = Math.max(...following.map((attempt) => attempt.ms));
      // No key-store call at all: far under a single attempt's timeout.
      expect(slowest).toBeLessThan(TIMEOUT_MS / 3);

      const down = await readyz();
      expect(down.statusCode).toBe(503);
      expect(down.body.reasons.join(' ')).toContain('key store unavailable since');
      const status = await testApp.app.services.system.status();
      expect(status.kms.health).toMatchObject({
        state: 'down',
        detail: expect.stringContaining('key store unavailable'),
      });
      const ocsp = await ocspStatusOfFreshSerial(before.at(-1)?.serialHex ?? '');
      expect(ocsp).toContain('trylater (3)');

      if (fault === 'stopped') await kmip.start();
      else kmip.thaw();
      let resumed: Attempt | undefined;
      const resumedAfterMs = await waitFor('issuance to resume', async () => {
        resumed = await issue();
        return resumed.ok;
      });
      expect(resumed?.ok).toBe(true);
      expect((await readyz()).statusCode).toBe(200);
      await waitFor('the keys to be reconciled after the outage', async () =>
        Promise.resolve(
          rowCount("SELECT count(*) AS n FROM audit_log WHERE operation = 'kms.reconcile'") > reconcilesBefore,
        ),
      );
      const certificates = expectNothingHalfDone();
      const failures = rowCount(
        "SELECT count(*) AS n FROM audit_log WHERE operation = 'certificate.issue' AND status = 'failure'",
      );
      expect(failures).toBeGreaterThanOrEqual(21);
      process.stdout.write(
        `PyKMIP ${fault}: first failure ${first.code} after ${Math.round(first.ms)} ms, ` +
          `20 following failed fast (slowest ${slowest.toFixed(1)} ms), resumed ${resumedAfterMs} ms after the server came back; ` +
          `${certificates} certificates, each with its rows; ${failures} failed issuances audited\n`,
      );
    });
  }
});

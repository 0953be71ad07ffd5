/**
 * Issue 15: a revocation during a key-store outage, on a real PyKMIP server behind the `kmip`
 * driver (the CA key lives there), for both faults: PyKMIP stopped, and frozen with SIGSTOP
 * (it accepts and never answers). While the key store is away, revoking an end-entity
 * certificate through the API is still done and acknowledged: the answer says the CRL is
 * not published yet and when it is retried, the certificate row says revoked and its
 * `certificate.revoke` audit row is committed, the CA's CRL is marked behind, and the
 * client's retry succeeds idempotently. OCSP never says `good` for it: it answers tryLater
 * until it can sign. Once PyKMIP is back, with nothing else done, the publisher re-signs the
 * CRL, which then lists the serial (read by `openssl crl`), OCSP answers `revoked` (read by
 * `openssl ocsp`, signature verified), and the audit chain verifies.
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CaSummary } from '@pki/shared';

import { verifyAuditChain } from '../../src/audit/verify.js';
import { OCSP_UNSUCCESSFUL } from '../../src/http/ocsp.js';
import { actAs } from '../harness/act-as.js';
import type { Actor } from '../harness/act-as.js';
import { opensslCsr, run, scratchDir } from '../harness/openssl.js';
import type { ScratchDir } from '../harness/openssl.js';
import { startPyKmip } from '../harness/pykmip.js';
import type { PyKmipServer } from '../harness/pykmip.js';
import { buildTestApp } from '../helpers.js';
import type { TestApp } from '../helpers.js';
import { crlSerials } from './crl-serials.js';
import { FROZEN_CALL_TIMEOUT_MS, kmipDriverEnvironment } from './kmip-driver-env.js';
import { opensslOcspRequest, postOcsp } from './ocsp-over-inject.js';

/** Long enough for the publisher's backoff (1 s, 2 s, 5 s, 10 s, 30 s …) to come round after the outage. */
const REPUBLISH_LIMIT_MS = 90_000;

// PyKMIP is installed by the test command (scripts/install-system-deps.sh): without it, this fails rather than skips.
describe('issue 15: a revocation while the key store is away (kmip driver on PyKMIP)', () => {
  let kmip: PyKmipServer;
  let testApp: TestApp;
  let dir: ScratchDir;
  let admin: Actor;
  let ca: CaSummary;
  let csrPem: string;
  let caFile: string;

  const sqlite = () => testApp.app.services.database.sqlite;

  const waitFor = async (what: string, check: () => Promise<boolean>, limitMs: number) => {
    const started = Date.now();
    while (!(await check())) {
      if (Date.now() - started > limitMs) throw new Error(`still waiting after ${limitMs} ms for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  /** The OCSP answer for a serial over HTTP, as raw DER and as openssl reads it (signature verified against the CA). */
  const askOcsp = async (serialHex: string, name: string) => {
    const request = opensslOcspRequest(caFile, { serialHex }, join(dir.path, `${name}.req.der`));
    const der = await postOcsp(testApp.app, request);
    const responseFile = dir.write(`${name}.resp.der`, der);
    const text = run('openssl', ['ocsp', '-respin', responseFile, '-issuer', caFile, '-CAfile', caFile, '-resp_text']);
    return { der, output: text.output };
  };

  /** The CRL served to relying parties now, its serials as openssl reads them. */
  const servedCrlSerials = async () => {
    const response = await testApp.app.inject({ method: 'GET', url: `/crl/${ca.id}.crl` });
    expect(response.statusCode).toBe(200);
    return crlSerials(response.rawPayload);
  };

  const crlRevisions = () =>
    sqlite()
      .prepare(
        'SELECT crl_revision AS revision, crl_published_revision AS published FROM certificate_authorities WHERE id = ?',
      )
      .get(ca.id) as { revision: number; published: number };

  beforeAll(async () => {
    dir = scratchDir('pki-revoke-outage-');
    kmip = await startPyKmip();
    testApp = await buildTestApp(
      kmipDriverEnvironment(kmip, {
        namespace: `revoke-outage-${Date.now()}`,
        timeoutMs: FROZEN_CALL_TIMEOUT_MS,
        attempts: 1,
      }),
    );
    admin = await actAs(testApp.app.services, 'admin');
    ca = await admin.caller.cas.createRoot({
      name: 'Revoke Outage Root',
      subject: { commonName: 'Revoke Outage Root' },
      algorithm: 'rsa-3072',
      validityDays: 3650,
    });
    caFile = dir.write('ca.pem', testApp.app.services.pki.cas.getCertificatePem(ca.id));
    ({ csrPem } = opensslCsr(dir, 'leaf', { key: 'ec:P-256', subject: '/CN=revoke-outage.example.test' }));
  });
  afterAll(async () => {
    kmip?.thaw();
    await testApp?.close();
    await kmip?.stop();
    dir?.remove();
  });

  for (const fault of ['stopped', 'frozen (SIGSTOP)'] as const) {
    it(`with PyKMIP ${fault}: the revocation is acknowledged and durable, OCSP says tryLater, the CRL follows once it is back`, async () => {
      const issued = await admin.caller.certificates.issueFromCsr({
        caId: ca.id,
        profile: 'tls-client',
        csr: csrPem,
        validityDays: 30,
      });
      const { id, serialHex } = issued.certificate;
      // Its OCSP answer is cached as good before the outage: the revocation must drop it.
      const before = await askOcsp(serialHex, `${fault}-before`);
      expect(before.output).toContain('Cert Status: good');
      expect(await servedCrlSerials()).not.toContain(serialHex);

      if (fault === 'stopped') await kmip.halt();
      else kmip.freeze();
      try {
        const revoked = await admin.caller.certificates.revoke({ id, reason: 'keyCompromise' });
        console.log(`${fault}: revocation acknowledged, crl ${JSON.stringify(revoked.crl)}`);
        expect(revoked).toMatchObject({ status: 'revoked', revocationReason: 'keyCompromise' });
        expect(revoked.crl).toMatchObject({ published: false, retryAt: expect.any(String) });

        // Durable: the row and its audit row are committed; the CA's CRL is recorded as behind.
        expect(sqlite().prepare('SELECT status FROM certificates WHERE id = ?').get(id)).toEqual({ status: 'revoked' });
        const revokeRows = sqlite()
          .prepare("SELECT status FROM audit_log WHERE operation = 'certificate.revoke' AND entity_id = ? ORDER BY seq")
          .all(id) as { status: string }[];
        expect(revokeRows).toEqual([{ status: 'success' }]);
        const behind = crlRevisions();
        expect(behind.published).toBeLessThan(behind.revision);

        // The client's retry is answered as done again, not ALREADY_REVOKED, and publishes nothing by itself.
        const retried = await admin.caller.certificates.revoke({ id, reason: 'keyCompromise' });
        expect(retried).toMatchObject({ status: 'revoked', crl: { published: false } });

        // OCSP cannot sign the new status: tryLater, never the cached good.
        const during = await askOcsp(serialHex, `${fault}-during`);
        expect(Buffer.from(during.der).equals(OCSP_UNSUCCESSFUL.tryLater)).toBe(true);
        expect(await servedCrlSerials()).not.toContain(serialHex);
      } finally {
        if (fault === 'stopped') await kmip.start();
        else kmip.thaw();
      }

      // Back: nobody revokes again; the publisher's retry re-signs the CRL.
      await waitFor(
        'the CRL to list the serial revoked during the outage',
        async () => (await servedCrlSerials()).includes(serialHex),
        REPUBLISH_LIMIT_MS,
      );
      const caughtUp = crlRevisions();
      expect(caughtUp.published).toBe(caughtUp.revision);
      const after = await askOcsp(serialHex, `${fault}-after`);
      expect(after.output).toContain('Response verify OK');
      expect(after.output).toContain('Cert Status: revoked');
      expect(after.output).toContain('Reason: keyCompromise');
      const publishRows = sqlite()
        .prepare(
          "SELECT status FROM audit_log WHERE operation = 'crl.publish' AND entity_id = ? ORDER BY seq DESC LIMIT 1",
        )
        .get(ca.id) as { status: string } | undefined;
      expect(publishRows).toEqual({ status: 'success' });
      expect(verifyAuditChain(sqlite()).isValid).toBe(true);
    }, 180_000);
  }
});

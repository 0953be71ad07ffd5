/**
 * Issue 14: a key store that returns a signature which does not verify (Cosmian before
 * 5.26 hashing an ECDSA digest again, the wrong object behind a reference) must never put
 * it into a certificate, a CRL or an OCSP response. The key store here answers Sign with a
 * real signature by another real key, once switched on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CaSummary } from '@pki/shared';

import type { KeyStore, SignRequest } from '../../src/kms/key-store.js';
import { opensslCsr, scratchDir } from '../harness/openssl.js';
import type { ScratchDir } from '../harness/openssl.js';
import { openPkiHarness } from '../harness/pki-harness.js';
import type { PkiHarness } from '../harness/pki-harness.js';

/** Delegates to the store, but signs with `wrongKeyRef` while it is set. */
function signingWithAnotherKeyWhenSet(store: KeyStore, wrongKey: { ref: string | undefined }): KeyStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'sign') {
        return (request: SignRequest) =>
          target.sign(wrongKey.ref === undefined ? request : { ...request, privateKeyRef: wrongKey.ref });
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('issue 14: a signature that does not verify is never used', () => {
  const wrongKey: { ref: string | undefined } = { ref: undefined };
  let h: PkiHarness;
  let dir: ScratchDir;
  let ca: CaSummary;
  let csrPem: string;
  let issuedSerial: string;

  const count = (sql: string) => h.temp.database.sqlite.prepare(sql).pluck().get() as number;

  beforeAll(async () => {
    dir = scratchDir();
    h = await openPkiHarness({ wrapKeyStore: (store) => signingWithAnotherKeyWhenSet(store, wrongKey) });
    ca = await h.pki.cas.createRoot(h.ctx, {
      name: 'Checked Root',
      subject: { commonName: 'Checked Root' },
      algorithm: 'ec-p384',
      validityDays: 365,
    });
    csrPem = opensslCsr(dir, 'leaf', { key: 'ec:P-256', subject: '/CN=leaf.example.test' }).csrPem;
    const issued = await h.pki.certificates.issueFromCsr(h.ctx, { caId: ca.id, profile: 'tls-server', csr: csrPem });
    issuedSerial = issued.certificate.serialHex;
    wrongKey.ref = (
      await h.temp.store.generateKeyPair({ algorithm: 'ec-p384', label: 'imposter', isExportable: false })
    ).privateKeyRef;
  });
  afterAll(async () => {
    dir.remove();
    await h.cleanup();
  });

  it('issues nothing and audits the failure of the signature and of the issuance', async () => {
    const certificatesBefore = count('SELECT count(*) FROM certificates');
    await expect(
      h.pki.certificates.issueFromCsr(h.ctx, { caId: ca.id, profile: 'tls-server', csr: csrPem }),
    ).rejects.toMatchObject({ code: 'KMS_PROTOCOL_ERROR' });
    expect(count('SELECT count(*) FROM certificates')).toBe(certificatesBefore);
    const failures = h.temp.database.sqlite
      .prepare("SELECT operation, details FROM audit_log WHERE status = 'failure' ORDER BY seq")
      .all() as { operation: string; details: string }[];
    expect(
      failures.map((row) => [row.operation, (JSON.parse(row.details) as { errorCode: string }).errorCode]),
    ).toEqual([
      ['kms.sign', 'KMS_PROTOCOL_ERROR'],
      ['certificate.issue', 'KMS_PROTOCOL_ERROR'],
    ]);
  });

  it('publishes no CRL signed wrongly: the revocation stands, the CRL publication fails and is audited', async () => {
    const crlsBefore = count('SELECT count(*) FROM crls');
    // A committed revocation is answered as done; its CRL follows once a signature verifies (issue 15).
    const revoked = await h.pki.certificates.revoke(h.ctx, {
      caId: ca.id,
      serialHex: issuedSerial,
      reason: 'keyCompromise',
    });
    expect(revoked.crl).toMatchObject({ published: false });
    expect(count('SELECT count(*) FROM crls')).toBe(crlsBefore);
    expect(count("SELECT count(*) FROM audit_log WHERE operation = 'crl.publish' AND status = 'failure'")).toBe(1);
  });
});

/**
 * Bad requests are refused with a typed, stable code, write no certificate and leave a
 * failure row in the audit log.
 */
import { generateKeyPairSync } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CaSummary, IssueFromCsrInput } from '@pki/shared';

import { MAX_CSR_BYTES } from './csr.js';
import { openCaHierarchy } from '../../test/harness/ca-hierarchy.js';
import { opensslCsr, scratchDir } from '../../test/harness/openssl.js';
import type { ScratchDir } from '../../test/harness/openssl.js';
import { openPkiHarness } from '../../test/harness/pki-harness.js';
import type { PkiHarness } from '../../test/harness/pki-harness.js';

describe('issuance refusals', () => {
  let h: PkiHarness;
  let dir: ScratchDir;
  let ca: CaSummary;
  let goodCsr: string;

  const count = (sql: string) => (h.temp.database.sqlite.prepare(sql).get() as { n: number }).n;
  const certificateCount = () => count('SELECT count(*) AS n FROM certificates');
  const issueFailures = () =>
    count("SELECT count(*) AS n FROM audit_log WHERE operation = 'certificate.issue' AND status = 'failure'");
  const lastFailureCode = () =>
    JSON.parse(
      (
        h.temp.database.sqlite
          .prepare(
            "SELECT details FROM audit_log WHERE operation = 'certificate.issue' AND status = 'failure' ORDER BY seq DESC LIMIT 1",
          )
          .get() as { details: string }
      ).details,
    ).errorCode as string;

  beforeAll(async () => {
    dir = scratchDir();
    h = await openPkiHarness();
    ({ issuing: ca } = await openCaHierarchy(h, {
      root: { name: 'Refusal Root' },
      issuing: { name: 'Refusal CA', algorithm: 'ec-p256' },
    }));
    goodCsr = opensslCsr(dir, 'good', { key: 'ec:P-256', subject: '/CN=good.example.test' }).csrPem;
  });
  afterAll(async () => {
    dir.remove();
    await h.cleanup();
  });

  const pemOf = (der: Uint8Array) =>
    `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(der).toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  const derOf = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');

  /** A tls-server request to the issuing CA unless the case says otherwise. */
  const issue = (input: Omit<IssueFromCsrInput, 'caId' | 'profile'> & Partial<Pick<IssueFromCsrInput, 'profile'>>) =>
    h.pki.certificates.issueFromCsr(h.ctx, { caId: ca.id, profile: 'tls-server', ...input });

  const cases: [string, () => Promise<unknown>, string][] = [
    ['garbage', () => issue({ csr: 'hello, I am not a CSR' }), 'CSR_MALFORMED'],
    [
      'no PEM block of the right label',
      () => issue({ csr: goodCsr.replace(/CERTIFICATE REQUEST/g, 'PRIVATE KEY') }),
      'CSR_MALFORMED',
    ],
    ['truncated', () => issue({ csr: pemOf(derOf(goodCsr).subarray(0, 120)) }), 'CSR_MALFORMED'],
    ['trailing bytes', () => issue({ csr: pemOf(Buffer.concat([derOf(goodCsr), Buffer.from([0])])) }), 'CSR_MALFORMED'],
    ['oversized', () => issue({ csr: `${goodCsr}${' '.repeat(MAX_CSR_BYTES)}` }), 'CSR_TOO_LARGE'],
    [
      'bad signature',
      () => {
        const der = derOf(goodCsr);
        der[der.length - 5] = (der[der.length - 5] as number) ^ 0x01;
        return issue({ csr: pemOf(der) });
      },
      'CSR_BAD_SIGNATURE',
    ],
    [
      'RSA-1024',
      () => issue({ csr: opensslCsr(dir, 'weak', { key: 'rsa:1024', subject: '/CN=weak.example.test' }).csrPem }),
      'KEY_TOO_WEAK',
    ],
    [
      'SHA-1 signature',
      () =>
        issue({
          csr: opensslCsr(dir, 'sha1', { key: 'ec:P-256', subject: '/CN=sha1.example.test', digest: 'sha1' }).csrPem,
        }),
      'CSR_UNSUPPORTED_ALGORITHM',
    ],
    [
      'unknown curve',
      () => issue({ csr: opensslCsr(dir, 'k1', { key: 'ec:secp256k1', subject: '/CN=k1.example.test' }).csrPem }),
      'CSR_UNSUPPORTED_ALGORITHM',
    ],
    [
      'SAN with a newline',
      () => issue({ csr: goodCsr, sans: ['dns:good.example.test\nDNS:evil.test'] }),
      'SAN_INVALID',
    ],
    [
      'SAN with a comma injection',
      () => issue({ csr: goodCsr, sans: ['dns:good.example.test,DNS:evil.test'] }),
      'SAN_INVALID',
    ],
    [
      'URI with a quote',
      () =>
        issue({
          profile: 'tls-server-client',
          csr: goodCsr,
          sans: ['dns:a.example.test', 'uri:https://a.test/"><script>'],
        }),
      'SAN_INVALID',
    ],
    ['email SAN on tls-server', () => issue({ csr: goodCsr, sans: ['email:a@example.test'] }), 'SAN_NOT_ALLOWED'],
    [
      'tls-server with no host name',
      () => issue({ csr: opensslCsr(dir, 'nohost', { key: 'ec:P-256', subject: '/CN=Just A Name' }).csrPem }),
      'SAN_REQUIRED',
    ],
    [
      'control character in a CSR subject',
      () =>
        issue({
          profile: 'tls-client',
          csr: opensslCsr(dir, 'ctl', { key: 'ec:P-256', subject: '/CN=bad\x07bell' }).csrPem,
          validityDays: 30,
        }),
      'NAME_INVALID',
    ],
    [
      'control character in a given subject',
      () => issue({ profile: 'tls-client', csr: goodCsr, subject: { commonName: 'a\u202eb' } }),
      'VALIDATION_FAILED',
    ],
    ['validity beyond the profile', () => issue({ csr: goodCsr, validityDays: 399 }), 'VALIDITY_EXCEEDS_PROFILE'],
    [
      'validity beyond the issuer',
      () => issue({ profile: 'tls-client', csr: goodCsr, validityDays: 398 }),
      'VALIDITY_EXCEEDS_ISSUER',
    ],
    [
      'key algorithm not allowed by the profile',
      () =>
        issue({
          profile: 'code-signing',
          csr: opensslCsr(dir, 'cs2048', { key: 'rsa:2048', subject: '/CN=Signer' }).csrPem,
        }),
      'KEY_ALGORITHM_NOT_ALLOWED',
    ],
    [
      'unknown CA',
      () => h.pki.certificates.issueFromCsr(h.ctx, { caId: 'nope', profile: 'tls-server', csr: goodCsr }),
      'CA_NOT_FOUND',
    ],
    [
      'export requested on a profile that forbids it',
      () =>
        h.pki.certificates.issueWithServerKey(h.ctx, {
          caId: ca.id,
          profile: 'code-signing',
          algorithm: 'ec-p256',
          subject: { commonName: 'Signer' },
          isExportable: true,
        }),
      'EXPORT_NOT_ALLOWED',
    ],
  ];

  it.each(cases)('%s → typed error, nothing written, failure audited', async (_name, attempt, code) => {
    const certificatesBefore = certificateCount();
    const failuresBefore = issueFailures();
    const error = await attempt().then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code });
    expect(certificateCount()).toBe(certificatesBefore);
    expect(issueFailures()).toBe(failuresBefore + 1);
    expect(lastFailureCode()).toBe(code);
  });

  it('a refused server-key request generates no key', async () => {
    const keysBefore = count('SELECT count(*) AS n FROM kms_keys');
    await expect(
      h.pki.certificates.issueWithServerKey(h.ctx, {
        caId: ca.id,
        profile: 'tls-server',
        algorithm: 'ec-p256',
        subject: { commonName: 'x' },
        sans: ['email:a@b.test'],
      }),
    ).rejects.toMatchObject({ code: 'SAN_NOT_ALLOWED' });
    expect(count('SELECT count(*) AS n FROM kms_keys')).toBe(keysBefore);
  });

  it('accepts a DER CSR given as base64 and as bytes', async () => {
    const der = derOf(goodCsr);
    await expect(
      h.pki.certificates.issueFromCsr(h.ctx, { caId: ca.id, profile: 'tls-server', csr: der.toString('base64') }),
    ).resolves.toBeDefined();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(rsa.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});

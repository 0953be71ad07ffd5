/**
 * Issue 15: policy holds for what a CSR carries. A CSR with 3,000 SANs was issued under
 * tls-server although the API caps SANs at 100, and a CN of `<script>alert(1)</script>`
 * that no SAN backed was kept. Every profile caps the SAN count, and TLS server profiles
 * keep a CN only when it is one of the SANs (CA/Browser Forum BR §7.1.4.3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PROFILE_IDS } from '@pki/shared';
import type { CaSummary, IssueFromCsrInput } from '@pki/shared';

import { openCaHierarchy } from '../harness/ca-hierarchy.js';
import { opensslCsr, run, scratchDir } from '../harness/openssl.js';
import type { ScratchDir } from '../harness/openssl.js';
import { openPkiHarness } from '../harness/pki-harness.js';
import type { PkiHarness } from '../harness/pki-harness.js';

let h: PkiHarness;
let dir: ScratchDir;
let ca: CaSummary;

const count = (sql: string) => (h.temp.database.sqlite.prepare(sql).get() as { n: number }).n;
const certificateCount = () => count('SELECT count(*) AS n FROM certificates');
const issueFailures = () =>
  count("SELECT count(*) AS n FROM audit_log WHERE operation = 'certificate.issue' AND status = 'failure'");

const issue = (input: Omit<IssueFromCsrInput, 'caId'>) =>
  h.pki.certificates.issueFromCsr(h.ctx, { caId: ca.id, ...input });

beforeAll(async () => {
  dir = scratchDir('pki-issue-15-');
  h = await openPkiHarness();
  ({ issuing: ca } = await openCaHierarchy(h, {
    root: { name: 'Policy Root' },
    issuing: { name: 'Policy CA', algorithm: 'ec-p256' },
  }));
});
afterAll(async () => {
  dir.remove();
  await h.cleanup();
});

describe('issue 15: SAN count', () => {
  it('refuses a CSR with 3,000 SANs under every profile, writing no certificate', async () => {
    const sans = Array.from({ length: 3_000 }, (_, index) => `DNS:h${index}.t.io`).join(',');
    const { csrPem, csrFile } = opensslCsr(dir, 'many', { key: 'ec:P-256', subject: '/CN=h0.t.io', sans });
    // openssl itself reads the request back with all its names.
    expect(run('openssl', ['req', '-in', csrFile, '-noout', '-text']).output.match(/DNS:/g)?.length).toBe(3_000);
    const certificatesBefore = certificateCount();
    const failuresBefore = issueFailures();
    for (const profile of PROFILE_IDS) {
      await expect(issue({ profile, csr: csrPem }), profile).rejects.toMatchObject({ code: 'SAN_LIMIT_EXCEEDED' });
    }
    expect(certificateCount()).toBe(certificatesBefore);
    expect(issueFailures()).toBe(failuresBefore + PROFILE_IDS.length);
  });

  it('issues up to the profile cap and refuses one more', async () => {
    const names = (length: number) => Array.from({ length }, (_, index) => `dns:n${index}.example.test`);
    const { csrPem } = opensslCsr(dir, 'cap', { key: 'ec:P-256', subject: '/CN=n0.example.test' });
    const issued = await issue({ profile: 'tls-server', csr: csrPem, sans: names(100) });
    expect(issued.certificate.sans).toHaveLength(100);
    const tooMany = opensslCsr(dir, 'cap-csr', {
      key: 'ec:P-256',
      subject: '/CN=n0.example.test',
      sans: names(101)
        .map((name) => name.replace('dns:', 'DNS:'))
        .join(','),
    });
    await expect(issue({ profile: 'tls-server', csr: tooMany.csrPem })).rejects.toMatchObject({
      code: 'SAN_LIMIT_EXCEEDED',
      details: { count: 101, max: 100 },
    });
  });
});

describe('issue 15: a TLS server CN must be one of the SANs', () => {
  it('refuses the CN `<script>alert(1)</script>` that no SAN backs', async () => {
    const { csrPem } = opensslCsr(dir, 'script', {
      key: 'ec:P-256',
      subject: '/CN=<script>alert(1)<\\/script>',
      sans: 'DNS:api.example.test',
    });
    for (const profile of ['tls-server', 'tls-server-client'] as const) {
      await expect(issue({ profile, csr: csrPem }), profile).rejects.toMatchObject({
        code: 'COMMON_NAME_NOT_IN_SANS',
      });
    }
  });

  it('refuses a host-name CN that is not among the SANs, from the CSR or from the call', async () => {
    const { csrPem } = opensslCsr(dir, 'other', {
      key: 'ec:P-256',
      subject: '/CN=other.example.test',
      sans: 'DNS:api.example.test',
    });
    await expect(issue({ profile: 'tls-server', csr: csrPem })).rejects.toMatchObject({
      code: 'COMMON_NAME_NOT_IN_SANS',
    });
    await expect(
      issue({ profile: 'tls-server', csr: csrPem, subject: { commonName: 'third.example.test' } }),
    ).rejects.toMatchObject({ code: 'COMMON_NAME_NOT_IN_SANS' });
  });

  it('keeps a CN that is a SAN (case and IP text normalized), and promotes a lone host-name CN', async () => {
    const { csrPem } = opensslCsr(dir, 'match', {
      key: 'ec:P-256',
      subject: '/CN=API.Example.Test',
      sans: 'DNS:api.example.test,IP:192.0.2.1',
    });
    const matching = await issue({ profile: 'tls-server', csr: csrPem });
    expect(matching.certificate.commonName).toBe('API.Example.Test');
    const byIp = await issue({ profile: 'tls-server', csr: csrPem, subject: { commonName: '192.0.2.1' } });
    expect(byIp.certificate.commonName).toBe('192.0.2.1');
    const lone = opensslCsr(dir, 'lone', { key: 'ec:P-256', subject: '/CN=lone.example.test' });
    const promoted = await issue({ profile: 'tls-server', csr: lone.csrPem });
    expect(promoted.certificate.sans).toEqual(['dns:lone.example.test']);
  });

  it('leaves tls-client alone: a client CN is a person or a service, not a host name', async () => {
    const { csrPem } = opensslCsr(dir, 'client', {
      key: 'ec:P-256',
      subject: '/CN=Alice Example',
      sans: 'email:alice@example.test',
    });
    const issued = await issue({ profile: 'tls-client', csr: csrPem, validityDays: 30 });
    expect(issued.certificate.commonName).toBe('Alice Example');
  });
});

import { execFileSync } from 'node:child_process';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CERTIFICATE_SORTS } from '@pki/shared';
import type { CertificateSort, ListCertificatesInput } from '@pki/shared';

import { openPkiRepositories } from '../db/pki-repositories.js';
import { openCaHierarchy } from '../../test/harness/ca-hierarchy.js';
import type { CaHierarchy } from '../../test/harness/ca-hierarchy.js';
import { opensslCsr, scratchDir } from '../../test/harness/openssl.js';
import type { ScratchDir } from '../../test/harness/openssl.js';
import { openPkiHarness } from '../../test/harness/pki-harness.js';
import type { PkiHarness } from '../../test/harness/pki-harness.js';

const DAY = 86_400_000;
const NOW = Date.now();

let h: PkiHarness;
let cas: CaHierarchy;
let dir: ScratchDir;
let issuedId: string;
let csrPem: string;

/** Rows written straight to the repository: the inventory only reads columns, never the DER. */
function seedSyntheticRows(count: number): void {
  const repository = openPkiRepositories(h.temp.database).certificates;
  for (let i = 0; i < count; i++) {
    const id = `01SYNTH${String(i).padStart(6, '0')}`;
    repository.insertIssued({
      id,
      caId: i % 3 === 0 ? cas.root.id : cas.issuing.id,
      serialHex: `aa${i.toString(16).padStart(4, '0')}`,
      subjectDn: `CN=host-${String(i % 10)}.example.test`,
      commonName: `host-${String(i % 10)}.example.test`,
      sans: [`dns:host-${String(i % 10)}.example.test`, ...(i === 7 ? ['ip:192.0.2.7'] : [])],
      profile: i % 2 === 0 ? 'tls-server' : 'tls-client',
      notBefore: new Date(NOW - (i % 5) * DAY),
      notAfter: new Date(NOW + (((i * 7) % 40) + 1) * DAY - (i === 4 ? 100 * DAY : 0)),
      der: Buffer.from([0x30, 0x00]),
      keyId: null,
      keyAlgorithm: i % 4 === 0 ? 'rsa-2048' : 'ec-p256',
      createdAt: new Date(NOW),
    });
  }
}

function allPages(input: ListCertificatesInput): string[] {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = h.pki.certificateReads.list({ ...input, limit: 7, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((item) => item.id));
    if (page.nextCursor === null) return ids;
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

beforeAll(async () => {
  h = await openPkiHarness();
  cas = await openCaHierarchy(h, { root: { name: 'Read Root' }, issuing: { name: 'Read Issuing' } });
  dir = scratchDir('read-service');
  csrPem = opensslCsr(dir, 'web', {
    key: 'ec:P-256',
    subject: '/CN=web.example.test/O=Example',
    sans: 'DNS:web.example.test,IP:192.0.2.10',
  }).csrPem;
  const issued = await h.pki.certificates.issueFromCsr(h.ctx, {
    caId: cas.issuing.id,
    profile: 'tls-server',
    csr: csrPem,
  });
  issuedId = issued.certificate.id;
  seedSyntheticRows(40);
});

afterAll(async () => {
  dir.remove();
  await h.cleanup();
});

describe('certificates.list', () => {
  it.each(CERTIFICATE_SORTS)('walks every row once, in %s order, across keyset pages', (sort) => {
    const ids = allPages({ sort });
    expect(new Set(ids).size).toBe(ids.length);
    const everything = h.pki.certificateReads.list({ sort, limit: 500 }).items;
    expect(ids).toEqual(everything.map((item) => item.id));
    const [key, direction] = sort.split('.') as ['notAfter' | 'notBefore' | 'subject', 'asc' | 'desc'];
    const values = everything.map((item) => (key === 'subject' ? item.subjectDn : item[key]));
    const sorted = [...values].sort((a, b) =>
      key === 'subject' ? a.localeCompare(b, 'en') : a < b ? -1 : a > b ? 1 : 0,
    );
    if (key !== 'subject') expect(values).toEqual(direction === 'asc' ? sorted : sorted.reverse());
  });

  it('filters by status, CA, profile, key algorithm and expiry window', () => {
    const list = (input: ListCertificatesInput) => h.pki.certificateReads.list({ limit: 500, ...input }).items;
    expect(list({ status: 'expired' }).map((item) => item.id)).toEqual(['01SYNTH000004']);
    expect(list({ caId: cas.root.id }).every((item) => item.caId === cas.root.id)).toBe(true);
    // 14 seeded rows and the issuing CA's own certificate.
    expect(list({ caId: cas.root.id })).toHaveLength(15);
    expect(list({ profile: 'tls-client' })).toHaveLength(20);
    expect(list({ keyAlgorithm: 'rsa-2048' }).map((item) => item.keyAlgorithm)).toEqual(Array(11).fill('rsa-2048')); // with the issuing CA's;
    expect(list({ keyAlgorithm: 'ec-p256' }).some((item) => item.id === issuedId)).toBe(true);
    const after = new Date(NOW + 10 * DAY).toISOString();
    const before = new Date(NOW + 20 * DAY).toISOString();
    const window = list({ expiresAfter: after, expiresBefore: before });
    expect(window.length).toBeGreaterThan(0);
    expect(window.every((item) => item.notAfter >= after && item.notAfter < before)).toBe(true);
    // The CLI's older name still filters.
    expect(list({ expiringBefore: before })).toEqual(list({ expiresBefore: before }));
  });

  it('searches subject, SANs and serial, colons and case ignored', () => {
    const search = (text: string) =>
      h.pki.certificateReads.list({ search: text, limit: 500 }).items.map((item) => item.id);
    expect(search('host-3.example')).toHaveLength(4);
    expect(search('192.0.2.7')).toEqual(['01SYNTH000007']);
    // The CA's and the issued certificate's random serials may contain "aa000a" by chance.
    expect(search('AA:00:0A').filter((id) => id.startsWith('01SYNTH'))).toEqual(['01SYNTH000010']);
    expect(search('WEB.EXAMPLE')).toEqual([issuedId]);
    expect(search('-9')).toHaveLength(4);
  });

  it('refuses a cursor of another sort', () => {
    const { nextCursor } = h.pki.certificateReads.list({ sort: 'notAfter.asc', limit: 2 });
    expect(() => h.pki.certificateReads.list({ sort: 'subject.asc', cursor: nextCursor ?? 'x' })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });

  const FILTERS: Record<string, ListCertificatesInput> = {
    none: {},
    status: { status: 'active' },
    revoked: { status: 'revoked' },
    ca: { caId: 'Read Root' },
    profile: { profile: 'tls-server' },
    keyAlgorithm: { keyAlgorithm: 'ec-p256' },
    expiry: { expiresAfter: new Date(NOW).toISOString(), expiresBefore: new Date(NOW + 30 * DAY).toISOString() },
    search: { search: 'example.test' },
  };
  const cases = Object.entries(FILTERS).flatMap(([name, filter]) =>
    (['notAfter.asc', 'notBefore.desc', 'subject.asc'] satisfies CertificateSort[]).map(
      (sort) => [name, sort, { ...filter, sort }] as const,
    ),
  );

  it.each(cases)('serves filter %s sorted by %s from an index (EXPLAIN QUERY PLAN)', (name, _sort, input) => {
    const plan = h.pki.certificateReads.explainList({ ...input, limit: 50 });
    // A bare "SCAN certificates" is a full table scan; every step must name an index.
    expect(
      plan.filter((step) => /^SCAN certificates$/.test(step)),
      plan.join('\n'),
    ).toEqual([]);
    expect(
      plan.some((step) => /USING (COVERING )?INDEX (certificates_|sqlite_autoindex_certificates)/.test(step)),
      plan.join('\n'),
    ).toBe(true);
    if (name === 'search') expect(plan.some((step) => /certificates_search VIRTUAL TABLE INDEX/.test(step))).toBe(true);
  });
});

describe('certificates.exportCsv', () => {
  it('exports every row of the filter, one line each, formulas defused', () => {
    const csv = h.pki.certificateReads.exportCsv({ profile: 'tls-client' });
    expect(csv.rowCount).toBe(20);
    const lines = csv.csv.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^id,serial,subject,/);
    expect(lines).toHaveLength(21);
    expect(lines[1]).toContain('"Read Issuing"');
  });
});

describe('certificates.describe', () => {
  it('decodes the extensions and matches openssl on fingerprints', () => {
    const description = h.pki.certificateReads.describe({ id: issuedId });
    const fingerprint = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], {
      input: description.certificatePem,
    }).toString();
    expect(fingerprint.trim()).toBe(`sha256 Fingerprint=${description.fingerprints.sha256}`);
    const names = Object.fromEntries(description.extensions.map((extension) => [extension.name, extension.values]));
    expect(names['Subject Alternative Name']).toEqual(['DNS:web.example.test', 'IP:192.0.2.10']);
    expect(names['Extended Key Usage']).toContain('TLS Web Server Authentication');
    expect(names['Basic Constraints']).toEqual(['CA:FALSE']);
    expect(description.publicKey).toMatchObject({ type: 'ec', size: 256 });
    expect(description.chain.map((link) => link.subjectDn)).toEqual([
      expect.stringContaining('web.example.test'),
      'CN=Read Issuing',
      'CN=Read Root',
    ]);
  });
});

describe('certificates.previewCsr', () => {
  it('shows the parsed request and what tls-server would issue', () => {
    const preview = h.pki.certificateReads.previewCsr({ csrPem, profile: 'tls-server', caId: cas.issuing.id });
    expect(preview).toMatchObject({
      isParsed: true,
      commonName: 'web.example.test',
      sans: ['dns:web.example.test', 'ip:192.0.2.10'],
      keyType: 'ec',
      keySize: 256,
      isSignatureValid: true,
      problems: [],
      profileCheck: { isAccepted: true, refusal: null },
    });
  });

  it("answers with issuance's own refusal, word for word", async () => {
    const refusal = await h.pki.certificates
      .issueFromCsr(h.ctx, { caId: cas.issuing.id, profile: 'email-protection', csr: csrPem })
      .then(
        () => null,
        (error: { code: string; message: string }) => ({ code: error.code, message: error.message }),
      );
    expect(refusal).not.toBeNull();
    const preview = h.pki.certificateReads.previewCsr({ csrPem, profile: 'email-protection', caId: cas.issuing.id });
    expect(preview.profileCheck).toMatchObject({ isAccepted: false, refusal });
  });

  it('still shows the subject of a CSR whose signature does not verify', () => {
    const der = Buffer.from(csrPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const last = der.length - 1;
    der[last] = (der[last] ?? 0) ^ 0x01;
    const preview = h.pki.certificateReads.previewCsr({ csrPem: der.toString('base64') });
    expect(preview).toMatchObject({ isParsed: true, commonName: 'web.example.test', isSignatureValid: false });
    expect(preview.problems.map((problem) => problem.code)).toEqual(['CSR_BAD_SIGNATURE']);
  });

  it('says why text that is no CSR cannot be read', () => {
    const preview = h.pki.certificateReads.previewCsr({ csrPem: 'hello' });
    expect(preview.isParsed).toBe(false);
    expect(preview.problems[0]?.code).toBe('CSR_MALFORMED');
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SqliteCertificateRepository } from './certificate-repository.js';
import type { IssuedCertificateRow } from './certificate-repository.js';
import { COMMON_TERM_MATCHES } from './certificate-page-query.js';
import type { CertificatePageQuery } from './certificate-page-query.js';
import { openDatabase } from './client.js';
import type { DatabaseHandle } from './client.js';
import { migrateDatabase } from './migrate.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T00:00:00Z');
/** Enough rows that one term is common (at least COMMON_TERM_MATCHES matches) and others rare. */
const ROWS = 4 * COMMON_TERM_MATCHES + 500;

let directory: string;
let database: DatabaseHandle;
let repository: SqliteCertificateRepository;
const seeded: IssuedCertificateRow[] = [];

function row(index: number): IssuedCertificateRow {
  const zone = index % 2 === 0 ? 'Payments' : index % 4 === 1 ? 'société' : 'svc';
  const host = `host-${index.toString(36)}.${zone}.example.test`;
  return {
    id: `01PLAN${String(index).padStart(8, '0')}`,
    caId: 'ca-plan',
    serialHex: `0${(index * 7919).toString(16).padStart(7, '0')}`,
    subjectDn: `CN=${host}`,
    commonName: host,
    sans: [`dns:${host}`],
    profile: 'tls-server',
    // Several rows share a notBefore, so the id breaks ties across pages.
    notBefore: new Date(NOW - Math.floor(index / 3) * 60_000),
    notAfter: new Date(NOW + (index % 5 === 0 ? -DAY : 90 * DAY)),
    der: Buffer.from([0x30, 0x00]),
    keyId: null,
    keyAlgorithm: 'ec-p256',
    createdAt: new Date(NOW),
  };
}

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'pki-search-plans-'));
  database = openDatabase(join(directory, 'pki.sqlite'));
  migrateDatabase(database.db);
  // The CA is a bare row: the list reads no CA or key column.
  database.sqlite.pragma('foreign_keys = OFF');
  database.sqlite
    .prepare(
      `INSERT INTO certificate_authorities (id, name, key_id, subject_dn, status) VALUES ('ca-plan', 'Plan', 'k-plan', 'CN=Plan', 'active')`,
    )
    .run();
  repository = new SqliteCertificateRepository(database);
  database.sqlite.transaction(() => {
    for (let index = 0; index < ROWS; index++) {
      const certificate = row(index);
      seeded.push(certificate);
      repository.insertIssued(certificate);
    }
  })();
});

afterAll(() => {
  database?.close();
  rmSync(directory, { recursive: true, force: true });
});

/** Every page of a query, 50 rows at a time, newest issued first. */
function allPages(query: Omit<CertificatePageQuery, 'limit' | 'now'>): string[] {
  const ids: string[] = [];
  let cursor: CertificatePageQuery['cursor'];
  for (;;) {
    const page = repository.listPage({ ...query, limit: 50, now: new Date(NOW), ...(cursor ? { cursor } : {}) });
    ids.push(...page.rows.map((certificate) => certificate.id));
    if (page.nextCursor === null) return ids;
    cursor = page.nextCursor;
  }
}

/** What a search must find, worked out without SQL: a case-insensitive substring of subject, SANs or serial. */
function expectedIds(predicate: (certificate: IssuedCertificateRow) => boolean): string[] {
  return seeded
    .filter(predicate)
    .sort((a, b) => b.notBefore.getTime() - a.notBefore.getTime() || (a.id < b.id ? 1 : -1))
    .map((certificate) => certificate.id);
}

const contains = (needle: string) => (certificate: IssuedCertificateRow) =>
  [certificate.subjectDn, JSON.stringify(certificate.sans), certificate.serialHex].some((text) =>
    text.toLowerCase().includes(needle.toLowerCase()),
  );

describe('certificate search plans', () => {
  it('walks the sort index for a common term and drives a rare one from its matches', () => {
    const common = repository.explainPage({ search: 'payments', limit: 50, now: new Date(NOW) });
    expect(common.join('\n')).toMatch(/USING INDEX certificates_not_before_idx/);
    expect(common.join('\n')).not.toMatch(/certificates_search|TEMP B-TREE/);

    const rare = repository.explainPage({ search: 'host-1a.', limit: 50, now: new Date(NOW) });
    expect(rare.join('\n')).toMatch(/certificates_search VIRTUAL TABLE INDEX/);
  });

  it.each([
    ['a common term, in another case', 'PAYMENTS', contains('payments')],
    ['a rare term', 'host-1a.', contains('host-1a.')],
    ['a common non-ASCII term (drives: LIKE would not fold its case)', 'SOCIÉTÉ', contains('société')],
    ['a serial with colons', '00:01:ef', contains('0001ef')],
    ['a term nothing has', 'zzzq', () => false],
  ])('finds what a substring search finds, in order, for %s', (_, search, predicate) => {
    const ids = allPages({ search });
    expect(ids).toEqual(expectedIds(predicate));
  });

  it('pages active certificates from the status index in issue order, skipping the expired', () => {
    const plan = repository.explainPage({ status: 'active', limit: 50, now: new Date(NOW) }).join('\n');
    expect(plan).toMatch(/USING INDEX certificates_status_issued_idx/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
    expect(allPages({ status: 'active' })).toEqual(expectedIds((certificate) => certificate.notAfter.getTime() > NOW));

    // By expiry, the (status, notAfter) index serves the range itself: no walk over the expired.
    const byExpiry = repository.explainPage({ status: 'active', sort: 'notAfter.asc', limit: 50, now: new Date(NOW) });
    expect(byExpiry.join('\n')).toMatch(/USING INDEX certificates_status_idx \(status=\? AND not_after>\?\)/);
  });
});

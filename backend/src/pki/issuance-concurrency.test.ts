/**
 * Concurrent issuances share group commits (db/group-commit.ts). Whatever the batching, each
 * issuance ends in exactly one of two states: its certificate row, its certificate.issue
 * success row and its kms.sign row all exist and it resolved; or no certificate row, a
 * certificate.issue failure row, and it rejected. Faults are injected with temporary
 * SQLite triggers on the real database, not by replacing our modules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CaSummary } from '@pki/shared';

import { verifyAuditChain } from '../audit/verify.js';
import { opensslCsr, run, scratchDir } from '../../test/harness/openssl.js';
import { openCaHierarchy } from '../../test/harness/ca-hierarchy.js';
import type { ScratchDir } from '../../test/harness/openssl.js';
import { openPkiHarness } from '../../test/harness/pki-harness.js';
import type { PkiHarness } from '../../test/harness/pki-harness.js';

const IN_FLIGHT = 12;

describe('concurrent issuance', () => {
  let h: PkiHarness;
  let dir: ScratchDir;
  let ca: CaSummary;
  const csrFor = new Map<string, string>();

  const count = (sql: string, ...parameters: string[]) =>
    (h.temp.database.sqlite.prepare(sql).get(...parameters) as { n: number }).n;
  const storedFor = (commonName: string) =>
    count('SELECT count(*) AS n FROM certificates WHERE common_name = ?', commonName);
  const issueRows = (status: 'success' | 'failure') =>
    count("SELECT count(*) AS n FROM audit_log WHERE operation = 'certificate.issue' AND status = ?", status);
  const signRows = () =>
    count("SELECT count(*) AS n FROM audit_log WHERE operation = 'kms.sign' AND status = 'success'");
  const issue = (commonName: string) => {
    const csr = csrFor.get(commonName);
    if (csr === undefined) throw new Error(`no CSR made for ${commonName}`);
    return h.pki.certificates.issueFromCsr(h.ctx, { caId: ca.id, profile: 'tls-server', csr });
  };

  beforeAll(async () => {
    dir = scratchDir('pki-concurrency-');
    h = await openPkiHarness();
    ({ issuing: ca } = await openCaHierarchy(h, {
      root: { name: 'Concurrency Root' },
      issuing: { name: 'Concurrency CA', algorithm: 'rsa-2048' },
    }));
    const names = [
      ...Array.from({ length: IN_FLIGHT }, (_, index) => `host-${index}.example.test`),
      'poison-write.example.test',
      'poison-commit.example.test',
    ];
    for (const name of names) {
      csrFor.set(name, opensslCsr(dir, name, { key: 'ec:P-256', subject: `/CN=${name}`, sans: `DNS:${name}` }).csrPem);
    }
  });
  afterAll(async () => {
    dir.remove();
    await h.cleanup();
  });

  const goodNames = () => Array.from({ length: IN_FLIGHT }, (_, index) => `host-${index}.example.test`);

  it(`${IN_FLIGHT} at once: each stored once and audited twice, serials distinct, chain intact, openssl verifies`, async () => {
    const before = { success: issueRows('success'), sign: signRows() };
    const issued = await Promise.all(goodNames().map(issue));
    expect(new Set(issued.map((certificate) => certificate.certificate.serialHex)).size).toBe(IN_FLIGHT);
    for (const name of goodNames()) expect(storedFor(name)).toBe(1);
    expect(issueRows('success')).toBe(before.success + IN_FLIGHT);
    expect(signRows()).toBe(before.sign + IN_FLIGHT);
    expect(verifyAuditChain(h.temp.database)).toMatchObject({ isValid: true });

    const first = issued[0];
    const last = issued[IN_FLIGHT - 1];
    if (!first || !last) throw new Error('no certificates issued');
    const chainFile = dir.write('chain.pem', first.chainPem);
    for (const [index, certificate] of [first, last].entries()) {
      const leafFile = dir.write(`leaf-${index}.pem`, certificate.certificatePem);
      const verified = run('openssl', ['verify', '-partial_chain', '-CAfile', chainFile, leafFile]);
      expect(verified.output).toContain(': OK');
    }
  });

  it('a write that fails (a raised constraint) fails only its own issuance', async () => {
    h.temp.database.sqlite.exec(`
      CREATE TEMP TRIGGER poison_write BEFORE INSERT ON main.certificates
      WHEN NEW.common_name = 'poison-write.example.test'
      BEGIN SELECT RAISE(ABORT, 'poisoned write'); END;
    `);
    try {
      const storedBefore = new Map(goodNames().map((name) => [name, storedFor(name)]));
      const storedSince = (name: string) => storedFor(name) - (storedBefore.get(name) ?? 0);
      const before = { success: issueRows('success'), failure: issueRows('failure') };
      const names = [...goodNames().slice(0, 6), 'poison-write.example.test', ...goodNames().slice(6)];
      const outcomes = await Promise.allSettled(names.map(issue));
      outcomes.forEach((outcome, index) => {
        if (names[index] === 'poison-write.example.test') {
          expect(outcome).toMatchObject({ status: 'rejected', reason: { message: 'poisoned write' } });
        } else {
          expect(outcome.status).toBe('fulfilled');
        }
      });
      expect(storedFor('poison-write.example.test')).toBe(0);
      for (const name of goodNames()) expect(storedSince(name)).toBe(1);
      expect(issueRows('success')).toBe(before.success + IN_FLIGHT);
      expect(issueRows('failure')).toBe(before.failure + 1);
      expect(verifyAuditChain(h.temp.database)).toMatchObject({ isValid: true });
    } finally {
      h.temp.database.sqlite.exec('DROP TRIGGER temp.poison_write');
    }
  });

  it('a commit that fails fails every issuance it carried and writes none of them', async () => {
    // The trigger's row passes its statement (the foreign key is deferred) and fails the COMMIT.
    h.temp.database.sqlite.exec(`
      CREATE TEMP TABLE commit_guard_parent (id INTEGER PRIMARY KEY);
      CREATE TEMP TABLE commit_guard_child (parent_id INTEGER REFERENCES commit_guard_parent (id) DEFERRABLE INITIALLY DEFERRED);
      CREATE TEMP TRIGGER poison_commit AFTER INSERT ON main.certificates
      WHEN NEW.common_name = 'poison-commit.example.test'
      BEGIN INSERT INTO commit_guard_child (parent_id) VALUES (1); END;
    `);
    try {
      const storedBefore = new Map(goodNames().map((name) => [name, storedFor(name)]));
      const storedSince = (name: string) => storedFor(name) - (storedBefore.get(name) ?? 0);
      const before = { success: issueRows('success'), failure: issueRows('failure') };
      const names = [...goodNames().slice(0, 6), 'poison-commit.example.test', ...goodNames().slice(6)];
      const outcomes = await Promise.allSettled(names.map(issue));

      expect(outcomes[names.indexOf('poison-commit.example.test')]).toMatchObject({
        status: 'rejected',
        reason: { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' },
      });
      let fulfilled = 0;
      outcomes.forEach((outcome, index) => {
        const name = names[index] as string;
        if (outcome.status === 'fulfilled') {
          fulfilled++;
          expect(storedSince(name)).toBe(1);
        } else {
          // Innocent issuances that shared the poisoned transaction fail with its error, unwritten.
          expect(outcome.reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
          expect(storedSince(name)).toBe(0);
        }
      });
      expect(issueRows('success')).toBe(before.success + fulfilled);
      expect(issueRows('failure')).toBe(before.failure + names.length - fulfilled);
      expect(count('SELECT count(*) AS n FROM temp.commit_guard_child')).toBe(0);
      expect(verifyAuditChain(h.temp.database)).toMatchObject({ isValid: true });
    } finally {
      h.temp.database.sqlite.exec(
        'DROP TRIGGER temp.poison_commit; DROP TABLE temp.commit_guard_child; DROP TABLE temp.commit_guard_parent;',
      );
    }
  });
});

/**
 * `pnpm bench backup` (issue 15): `pki backup` on a data directory holding 100,000
 * certificates and 1,000,000 audit rows, each figure next to a peer measured in the same run
 * on the same database file:
 *
 * - time: the server's whole path (SQLite's online backup into a snapshot, SHA-256 of every
 *   file for the manifest, the archive written out) against `sqlite3 <db> ".backup FILE"`,
 *   the same online backup API with no checksums and no archive, and against `VACUUM INTO`;
 * - size: the archive against the `sqlite3 .backup` copy (the manifest and the key store
 *   identity are all it adds).
 *
 * The run fails unless the archive restores (checksums checked) into a fresh directory
 * holding every certificate and audit row. Seeding is fast, not through the services:
 * certificate rows are one real issued certificate's DER under distinct serials, in one
 * transaction; audit rows go through AuditChain in large transactions
 * (test/harness/bulk-audit-rows.ts), so the chain is the real one.
 * `--backup-certificates=N` and `--backup-audit-rows=N` shrink it for a quick check.
 * Standalone: `pnpm exec tsx bench/backup.ts`.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

import Database from 'better-sqlite3';

import { restoreBackup, takeBackupSnapshot } from '../src/db/backup.js';
import { appendBulkAuditRows } from '../test/harness/bulk-audit-rows.js';
import { openCaHierarchy } from '../test/harness/ca-hierarchy.js';
import { openPkiHarness } from '../test/harness/pki-harness.js';
import type { PkiHarness } from '../test/harness/pki-harness.js';
import { formatRows } from './bench-row.js';
import type { BenchRow } from './bench-row.js';

const DEFAULT_CERTIFICATES = 100_000;
const DEFAULT_AUDIT_ROWS = 1_000_000;
const SEED_BATCH = 20_000;

function countFromArguments(flag: string, fallback: number): number {
  const argument = process.argv.find((candidate) => candidate.startsWith(`--${flag}=`));
  const count = argument === undefined ? fallback : Number(argument.slice(flag.length + 3));
  if (!Number.isSafeInteger(count) || count < 100) throw new Error(`--${flag}: expected a whole number ≥ 100`);
  return count;
}

/** `count` certificate rows of the CA, each the DER of a real certificate under its own serial. */
function seedCertificates(h: PkiHarness, caId: string, der: Buffer, count: number): void {
  const insert = h.temp.database.sqlite.prepare(
    `INSERT INTO certificates (id, ca_id, serial_hex, subject_dn, common_name, sans, profile, not_before, not_after, der, status, revocation_reason, revoked_at, key_algorithm, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'tls-server', ?, ?, ?, ?, ?, ?, 'ec-p256', ?)`,
  );
  const now = Date.now();
  for (let first = 0; first < count; first += SEED_BATCH) {
    h.temp.database.sqlite.transaction(() => {
      for (let index = first; index < Math.min(count, first + SEED_BATCH); index++) {
        const isRevoked = index % 10 === 0;
        const name = `host-${index}.bench.example.test`;
        insert.run(
          `bench-certificate-${index}`,
          caId,
          `7f${index.toString(16).padStart(30, '0')}`,
          `CN=${name}`,
          name,
          JSON.stringify([`dns:${name}`]),
          now - (index % 365) * 86_400_000,
          now + (30 + (index % 365)) * 86_400_000,
          der,
          isRevoked ? 'revoked' : 'active',
          isRevoked ? 'superseded' : null,
          isRevoked ? now - index * 1000 : null,
          now,
        );
      }
    })();
  }
}

function timed(work: () => void): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

function countRows(databasePath: string, table: 'certificates' | 'audit_log'): number {
  const database = new Database(databasePath, { readonly: true });
  try {
    return (database.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    database.close();
  }
}

export async function runBackupBench(): Promise<BenchRow[]> {
  const certificateCount = countFromArguments('backup-certificates', DEFAULT_CERTIFICATES);
  const auditRowCount = countFromArguments('backup-audit-rows', DEFAULT_AUDIT_ROWS);
  const dir = mkdtempSync(join(tmpdir(), 'pki-bench-backup-'));
  const h = await openPkiHarness();
  try {
    const { issuing } = await openCaHierarchy(h, {
      root: { name: 'Bench Backup Root', subject: { commonName: 'Bench Backup Root' }, validityDays: 3650 },
      issuing: { name: 'Bench Backup Issuing', subject: { commonName: 'Bench Backup Issuing' }, validityDays: 1825 },
    });
    const sample = await h.pki.certificates.issueWithServerKey(h.ctx, {
      caId: issuing.id,
      profile: 'tls-server',
      algorithm: 'ec-p256',
      subject: { commonName: 'sample.bench.example.test' },
      sans: ['dns:sample.bench.example.test'],
      validityDays: 90,
      isExportable: false,
    });
    const sqlite = h.temp.database.sqlite;
    const sampleDer = (
      sqlite.prepare('SELECT der FROM certificates WHERE id = ?').get(sample.certificate.id) as {
        der: Buffer;
      }
    ).der;
    const seeding = performance.now();
    seedCertificates(h, issuing.id, sampleDer, certificateCount);
    h.audit.flush();
    appendBulkAuditRows(sqlite, auditRowCount);
    // Every peer reads the same file: nothing left in the WAL.
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const expectedCertificates = countRows(h.temp.databasePath, 'certificates');
    const expectedAuditRows = countRows(h.temp.databasePath, 'audit_log');
    process.stdout.write(
      `seeded ${certificateCount} certificates and ${auditRowCount} audit rows in ${((performance.now() - seeding) / 1000).toFixed(1)} s; ` +
        `database ${(statSync(h.temp.databasePath).size / 1e6).toFixed(0)} MB\n`,
    );

    // Ours: what GET /api/backup does, less HTTP: the snapshot, its manifest, the archive.
    const archivePath = join(dir, 'bench.pkibackup');
    const ourStarted = performance.now();
    const snapshot = await takeBackupSnapshot(sqlite, h.temp.dataDir);
    const snapshotMs = performance.now() - ourStarted;
    await pipeline(snapshot.stream(), createWriteStream(archivePath, { mode: 0o600 }));
    const ourMs = performance.now() - ourStarted;
    process.stdout.write(
      `backup: snapshot and checksums ${Math.round(snapshotMs)} ms, archive written in ${Math.round(ourMs - snapshotMs)} ms\n`,
    );
    const archiveBytes = statSync(archivePath).size;
    if (archiveBytes !== snapshot.sizeBytes)
      throw new Error(`archive ${archiveBytes} B, announced ${snapshot.sizeBytes} B`);

    const sqliteCopy = join(dir, 'sqlite3-backup.sqlite');
    const sqliteMs = timed(() => execFileSync('sqlite3', [h.temp.databasePath, `.backup '${sqliteCopy}'`]));
    const vacuumCopy = join(dir, 'vacuum-into.sqlite');
    const vacuumMs = timed(() => sqlite.prepare('VACUUM INTO ?').run(vacuumCopy));
    const sqliteCopyBytes = statSync(sqliteCopy).size;

    // The archive is only a backup if it restores with everything in it.
    const restoredDir = join(dir, 'restored');
    restoreBackup(archivePath, restoredDir);
    const restoredDatabase = join(restoredDir, 'pki.sqlite');
    const restoredCertificates = countRows(restoredDatabase, 'certificates');
    const restoredAuditRows = countRows(restoredDatabase, 'audit_log');
    if (restoredCertificates !== expectedCertificates || restoredAuditRows !== expectedAuditRows) {
      throw new Error(
        `restored ${restoredCertificates}/${expectedCertificates} certificates and ${restoredAuditRows}/${expectedAuditRows} audit rows`,
      );
    }

    const scale = `${certificateCount} certificates, ${auditRowCount} audit rows`;
    return [
      {
        name: `backup time, ${scale}`,
        ours: ourMs,
        peer: sqliteMs,
        unit: 'ms vs sqlite3 .backup (same file)',
        ratio: sqliteMs / ourMs,
      },
      {
        name: `backup time, ${scale}`,
        ours: ourMs,
        peer: vacuumMs,
        unit: 'ms vs VACUUM INTO (same file)',
        ratio: vacuumMs / ourMs,
      },
      {
        name: `backup size, ${scale}`,
        ours: archiveBytes,
        peer: sqliteCopyBytes,
        unit: 'bytes vs the sqlite3 .backup copy',
        ratio: sqliteCopyBytes / archiveBytes,
      },
    ];
  } finally {
    await h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runBackupBench();
  process.stdout.write(`${formatRows('Backup: pki backup vs sqlite3 .backup and VACUUM INTO', rows)}\n`);
}

/**
 * `pnpm bench audit` (issue 12): the audit review on a log of 1,000,000 rows (`--audit-rows=N`
 * for a quick check), seeded through AuditChain itself, the encoder and chain rule every row
 * is written with, so the chain is valid; rows spread over 30 days, signatures most of them.
 *
 * - audit.list p50/p99 per page for each filter, first page and four following; the peer is
 *   the same page size read straight down the primary key (the floor of any page).
 * - full verification (AuditVerification: a worker thread with its own connection) rows/s
 *   next to `openssl speed -bytes <mean canonical row size> sha256` as hashes/s, and the
 *   event loop's maximum lag while it ran; and the floor under it, a bare read of every row
 *   through better-sqlite3, next to the same sha256 figure.
 * - export rows/s and the process's peak RSS growth, through audit-export.ts (what the
 *   GET /audit/export route streams); the peer is a bare read of every row.
 * - certificates.list p50/p99 per page for each filter and sort on 100,000 certificates
 *   (`--certificates=N`), inserted through the repository's own insert (its search index
 *   triggers included) with a real certificate's size; the peer is the same page size read
 *   straight down the primary key.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

import type { ListAuditInput } from '@pki/shared';

import { AuditRowPages, auditExportLines } from '../src/audit/audit-export.js';
import { AuditLogReader } from '../src/audit/audit-log-reader.js';
import { AuditVerification } from '../src/audit/audit-verification.js';
import { AuditChain, canonicalAuditRow } from '../src/audit/chain.js';
import type { AuditRecord } from '../src/audit/chain.js';
import { SqliteCertificateRepository } from '../src/db/certificate-repository.js';
import type { CertificatePageQuery } from '../src/db/certificate-page-query.js';
import { openDatabase } from '../src/db/client.js';
import type { DatabaseHandle } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import type { BenchRow } from './bench-row.js';

const execFileAsync = promisify(execFile);

const DEFAULT_ROWS = 1_000_000;
const PAGE_SIZE = 100;
const PAGES_PER_WALK = 5;
const WALKS = 40;
const SEED_BATCH = 5000;
const PERIOD_MS = 30 * 86_400_000;
const LIST_TARGET_MS = 20;
const DEFAULT_CERTIFICATES = 100_000;
const CERTIFICATE_PAGE_SIZE = 50;
/** A TLS certificate with a 2048-bit key and a handful of extensions is about this large. */
const CERTIFICATE_DER_BYTES = 1_100;

function rowCountFromArguments(): number {
  const flag = process.argv.find((argument) => argument.startsWith('--audit-rows='));
  const count = flag === undefined ? DEFAULT_ROWS : Number(flag.slice('--audit-rows='.length));
  if (!Number.isSafeInteger(count) || count < 1000) throw new Error('--audit-rows: expected a whole number ≥ 1000');
  return count;
}

function certificateCountFromArguments(): number {
  const flag = process.argv.find((argument) => argument.startsWith('--certificates='));
  const count = flag === undefined ? DEFAULT_CERTIFICATES : Number(flag.slice('--certificates='.length));
  if (!Number.isSafeInteger(count) || count < 1000) throw new Error('--certificates: expected a whole number ≥ 1000');
  return count;
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

const CA_KEYS = ['ca-key-root', 'ca-key-issuing-1', 'ca-key-issuing-2'];
const ACTORS = ['user:alice', 'user:bob', 'token:ci-pipeline', 'system:ocsp', 'system:crl-scheduler', 'oidc:idp/u42'];

/** A row as the services write them; most are signatures. */
function seededEntry(index: number, startMs: number, rowCount: number) {
  const requestId = `req-${Math.floor(index / 3)}`;
  const timestamp = startMs + Math.floor((index * PERIOD_MS) / rowCount);
  const kind = index % 20;
  const status = index % 97 === 0 ? 'failure' : index % 211 === 0 ? 'denied' : 'success';
  const actor = ACTORS[index % ACTORS.length] ?? 'anonymous';
  if (kind < 14) {
    const keyId = CA_KEYS[index % CA_KEYS.length] ?? 'ca-key-root';
    return {
      actor,
      operation: 'kms.sign',
      entityType: 'kms_key',
      entityId: keyId,
      status,
      requestId,
      timestamp,
      kmsOperationId: `op-${index}`,
      details: {
        algorithm: 'ec-p256',
        backend: 'local',
        dataLength: 400 + (index % 300),
        durationMs: 0.25,
        hash: 'sha-256',
        keyId,
        privateKeyRef: `ref-${keyId}`,
        scheme: 'ecdsa',
      },
    } as const;
  }
  if (kind < 18) {
    return {
      actor,
      operation: 'certificate.issue',
      entityType: 'certificate',
      entityId: `cert-${index}`,
      status,
      requestId,
      timestamp,
      details: {
        caId: 'ca-issuing-1',
        certificateId: `cert-${index}`,
        profile: 'tls-server',
        serialHex: index.toString(16),
      },
    } as const;
  }
  if (kind === 18) {
    return {
      actor,
      operation: 'auth.signIn',
      entityType: 'user',
      entityId: actor,
      status,
      requestId,
      timestamp,
      details: status === 'success' ? {} : { errorCode: 'UNAUTHORIZED', errorMessage: 'wrong password' },
    } as const;
  }
  const operations = [
    'kms.generateKeyPair',
    'certificate.revoke',
    'crl.publish',
    'ca.createIntermediate',
    'kms.revokeKey',
  ];
  const operation = operations[Math.floor(index / 20) % operations.length] ?? 'crl.publish';
  return {
    actor,
    operation,
    entityType: operation.startsWith('kms.')
      ? 'kms_key'
      : operation.startsWith('ca.')
        ? 'certificate_authority'
        : 'crl',
    entityId: `entity-${index % 500}`,
    status,
    requestId,
    timestamp,
    details: { index },
  } as const;
}

function seed(chain: AuditChain, rowCount: number, startMs: number): { meanRowBytes: number } {
  let sampledBytes = 0;
  let sampled = 0;
  for (let first = 0; first < rowCount; first += SEED_BATCH) {
    chain.transaction(() => {
      for (let index = first; index < Math.min(rowCount, first + SEED_BATCH); index += 1) {
        const record: AuditRecord = chain.append(seededEntry(index, startMs, rowCount));
        if (index % 101 === 0) {
          sampledBytes += Buffer.byteLength(canonicalAuditRow(record));
          sampled += 1;
        }
      }
    });
  }
  return { meanRowBytes: Math.round(sampledBytes / sampled) };
}

async function opensslSha256HashesPerSecond(bytes: number): Promise<number> {
  const { stdout } = await execFileAsync('openssl', ['speed', '-seconds', '2', '-bytes', String(bytes), 'sha256']);
  const match = /^sha256\s+([\d.]+)k/m.exec(stdout);
  if (match?.[1] === undefined) throw new Error(`cannot read openssl speed sha256:\n${stdout}`);
  return (Number(match[1]) * 1000) / bytes;
}

const CERTIFICATE_CAS = ['ca-issuing-1', 'ca-issuing-2', 'ca-issuing-3'];
const CERTIFICATE_PROFILES = ['tls-server', 'tls-client', 'tls-server', 'code-signing'];
const CERTIFICATE_KEYS = ['rsa-2048', 'ec-p256', 'ec-p256', 'rsa-3072'] as const;

/** 100,000 certificates over a year of issuance, through the repository's insert. */
function seedCertificates(database: DatabaseHandle, count: number, nowMs: number): void {
  // The CAs are bare rows: the certificate list reads no CA column.
  database.sqlite.pragma('foreign_keys = OFF');
  const insertCa = database.sqlite.prepare(
    "INSERT INTO certificate_authorities (id, name, subject_dn, key_id, status, created_at) VALUES (?, ?, ?, ?, 'active', ?)",
  );
  for (const id of CERTIFICATE_CAS) insertCa.run(id, id, `CN=${id}`, `key-${id}`, nowMs);
  const repository = new SqliteCertificateRepository(database);
  const der = new Uint8Array(CERTIFICATE_DER_BYTES).fill(0x30);
  const insertBatch = database.sqlite.transaction((from: number, to: number) => {
    for (let index = from; index < to; index += 1) {
      const host = `host-${index.toString(36)}.${index % 7 === 0 ? 'payments' : 'svc'}.example.test`;
      const notBefore = nowMs - 365 * 86_400_000 + Math.floor((index / count) * 365 * 86_400_000);
      repository.insertIssued({
        id: `cert-${String(index).padStart(8, '0')}`,
        caId: CERTIFICATE_CAS[index % CERTIFICATE_CAS.length] ?? 'ca-issuing-1',
        serialHex: (BigInt(index) * 0x9e3779b97f4a7c15n).toString(16).padStart(32, '0').slice(-32),
        subjectDn: `CN=${host},O=Example`,
        commonName: host,
        sans: [`dns:${host}`],
        profile: CERTIFICATE_PROFILES[index % CERTIFICATE_PROFILES.length] ?? 'tls-server',
        notBefore: new Date(notBefore),
        notAfter: new Date(notBefore + (index % 5 === 0 ? 30 : 398) * 86_400_000),
        der,
        keyId: null,
        keyAlgorithm: CERTIFICATE_KEYS[index % CERTIFICATE_KEYS.length] ?? 'ec-p256',
        createdAt: new Date(notBefore),
      });
    }
  });
  for (let from = 0; from < count; from += SEED_BATCH) insertBatch(from, Math.min(count, from + SEED_BATCH));
  // Every 40th certificate revoked.
  database.sqlite.prepare("UPDATE certificates SET status = 'revoked', revoked_at = ? WHERE rowid % 40 = 0").run(nowMs);
  database.sqlite.pragma('foreign_keys = ON');
}

/** certificates.list pages per filter and sort, as the inventory asks for them. */
function certificateListRows(database: DatabaseHandle, count: number, nowMs: number): BenchRow[] {
  const repository = new SqliteCertificateRepository(database);
  const now = new Date(nowMs);
  const floorPage = database.sqlite.prepare('SELECT * FROM certificates WHERE rowid < ? ORDER BY rowid DESC LIMIT ?');
  const floorSamples: number[] = [];
  for (let walk = 0; walk < WALKS; walk += 1) {
    let below = count + 1 - walk * 997;
    for (let page = 0; page < PAGES_PER_WALK; page += 1) {
      const started = performance.now();
      floorPage.all(below, CERTIFICATE_PAGE_SIZE + 1);
      floorSamples.push(performance.now() - started);
      below -= CERTIFICATE_PAGE_SIZE;
    }
  }
  const floorP99 = percentile(floorSamples, 0.99);
  const inDays = (days: number) => new Date(nowMs + days * 86_400_000);
  const filters: [string, Omit<CertificatePageQuery, 'limit' | 'now'>][] = [
    ['none (newest first)', {}],
    ['status active', { status: 'active' }],
    ['status revoked', { status: 'revoked' }],
    ['CA', { caId: 'ca-issuing-2' }],
    ['profile', { profile: 'code-signing' }],
    ['key algorithm', { keyAlgorithm: 'rsa-3072' }],
    ['expiring within 30 days', { expiresAfter: now, expiresBefore: inDays(30) }],
    ['search (subject/SAN)', { search: 'payments' }],
    ['search (serial)', { search: (7n * 0x9e3779b97f4a7c15n).toString(16).slice(-12) }],
    ['search (no match)', { search: 'zzzq-nothing' }],
    ['search (rare)', { search: 'host-2s' }],
    ['sort subject', { sort: 'subject.asc' }],
    ['sort notAfter, status active', { sort: 'notAfter.asc', status: 'active' }],
  ];
  const rows: BenchRow[] = [];
  for (const [name, filter] of filters) {
    const samples: number[] = [];
    for (let walk = 0; walk < WALKS; walk += 1) {
      let cursor: CertificatePageQuery['cursor'];
      for (let page = 0; page < PAGES_PER_WALK; page += 1) {
        const started = performance.now();
        const result = repository.listPage({
          ...filter,
          limit: CERTIFICATE_PAGE_SIZE,
          now,
          ...(cursor === undefined ? {} : { cursor }),
        });
        samples.push(performance.now() - started);
        cursor = result.nextCursor ?? undefined;
        if (cursor === undefined) break;
      }
    }
    const p99 = percentile(samples, 0.99);
    rows.push({
      name: `certificates.list ${name}: p50 ${percentile(samples, 0.5).toFixed(2)} ms, p99`,
      ours: p99,
      peer: floorP99,
      unit: 'ms/page p99',
      ratio: floorP99 / p99,
      target: `p99 < ${LIST_TARGET_MS} ms${p99 < LIST_TARGET_MS ? ' (met)' : ' (MISSED)'}`,
    });
  }
  return rows;
}

export async function runAuditReviewBench(): Promise<BenchRow[]> {
  const rowCount = rowCountFromArguments();
  const dataDir = mkdtempSync(join(tmpdir(), 'pki-bench-audit-'));
  const databasePath = join(dataDir, 'pki.db');
  const database = openDatabase(databasePath);
  try {
    migrateDatabase(database.db);
    const startMs = Date.parse('2026-11-01T00:00:00Z');
    const seeding = performance.now();
    const { meanRowBytes } = seed(new AuditChain(database.sqlite), rowCount, startMs);
    process.stdout.write(
      `seeded ${rowCount} rows in ${((performance.now() - seeding) / 1000).toFixed(1)} s (mean canonical row ${meanRowBytes} B)\n`,
    );
    const rows: BenchRow[] = [];
    const reader = new AuditLogReader(database);

    // The floor of any page: the same rows straight down the primary key.
    const floorPage = database.sqlite.prepare('SELECT * FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?');
    const floorSamples: number[] = [];
    for (let walk = 0; walk < WALKS; walk += 1) {
      let below = rowCount + 1 - walk * 997;
      for (let page = 0; page < PAGES_PER_WALK; page += 1) {
        const started = performance.now();
        const found = floorPage.all(below, PAGE_SIZE + 1) as { seq: number }[];
        floorSamples.push(performance.now() - started);
        below = found[PAGE_SIZE - 1]?.seq ?? below;
      }
    }
    const floorP99 = percentile(floorSamples, 0.99);

    const day = (n: number) => new Date(startMs + n * 86_400_000).toISOString();
    const filters: [string, ListAuditInput][] = [
      ['none', {}],
      ['time range (1 day)', { since: day(10), until: day(11) }],
      ['actor', { actor: 'token:ci-pipeline' }],
      ['operation (rare)', { operation: 'certificate.revoke' }],
      ['operation kms.sign', { operation: 'kms.sign' }],
      ['status failure', { status: 'failure' }],
      ['status denied', { status: 'denied' }],
      ['entity', { entityType: 'kms_key', entityId: 'ca-key-issuing-2' }],
      ['request id', { requestId: `req-${Math.floor(rowCount / 6)}` }],
      ['actor + time range', { actor: 'system:ocsp', since: day(3), until: day(20) }],
      ['failures in a day', { status: 'failure', since: day(5), until: day(6) }],
      ['oldest first, operation', { operation: 'crl.publish', order: 'asc' }],
    ];
    for (const [name, filter] of filters) {
      const samples: number[] = [];
      for (let walk = 0; walk < WALKS; walk += 1) {
        let cursor: string | undefined;
        for (let page = 0; page < PAGES_PER_WALK; page += 1) {
          const started = performance.now();
          const result = reader.list({ ...filter, limit: PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }) });
          samples.push(performance.now() - started);
          cursor = result.nextCursor ?? undefined;
          if (cursor === undefined) break;
        }
      }
      const p99 = percentile(samples, 0.99);
      rows.push({
        name: `audit.list ${name}: p50 ${percentile(samples, 0.5).toFixed(2)} ms, p99`,
        ours: p99,
        peer: floorP99,
        unit: 'ms/page p99',
        ratio: floorP99 / p99,
        target: `p99 < ${LIST_TARGET_MS} ms${p99 < LIST_TARGET_MS ? ' (met)' : ' (MISSED)'}`,
      });
    }

    // Every row read and nothing done with it: what any verifier reading rows through
    // better-sqlite3 pays before it hashes anything, and the export's peer below.
    const bareReadStarted = performance.now();
    let bareReadRows = 0;
    for (const _row of database.sqlite.prepare('SELECT * FROM audit_log ORDER BY seq').iterate()) bareReadRows += 1;
    const bareReadRate = bareReadRows / ((performance.now() - bareReadStarted) / 1000);

    // Full verification in its worker, the event loop watched meanwhile.
    const verification = new AuditVerification({
      databasePath,
      sqlite: database.sqlite,
      signerCertificatePem: () => undefined,
    });
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const verifying = performance.now();
    const verified = await verification.verify({ isFull: true });
    const verifySeconds = (performance.now() - verifying) / 1000;
    lag.disable();
    if (!verified.isValid) throw new Error(`the seeded chain does not verify: ${verified.message}`);
    const verifyRate = rowCount / verifySeconds;
    const sha256Rate = await opensslSha256HashesPerSecond(meanRowBytes);
    rows.push({
      name: `full verification, ${meanRowBytes} B rows`,
      ours: verifyRate,
      peer: sha256Rate,
      unit: 'rows/s vs sha256/s',
      ratio: verifyRate / sha256Rate,
      target: '≥ 0.5× openssl speed sha256',
    });
    rows.push({
      name: '  floor: read every row as the verifier does (better-sqlite3), no check',
      ours: bareReadRate,
      peer: sha256Rate,
      unit: 'rows/s vs sha256/s',
      ratio: bareReadRate / sha256Rate,
      target: 'the ceiling of the row above',
    });
    rows.push({
      name: 'event loop max lag during verification',
      ours: lag.max / 1e6,
      peer: LIST_TARGET_MS,
      unit: 'ms (peer: 20 ms)',
      ratio: LIST_TARGET_MS / Math.max(lag.max / 1e6, 0.001),
    });

    // Export through audit-export.ts into a file; the peer is the bare read above.
    const baseRss = process.memoryUsage.rss();
    let peakRss = baseRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, 20);
    const exportStarted = performance.now();
    const out = createWriteStream(join(dataDir, 'export.ndjson'));
    for await (const chunk of auditExportLines(new AuditRowPages(database.sqlite), { format: 'ndjson' })) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    const exportRate = rowCount / ((performance.now() - exportStarted) / 1000);
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    rows.push({
      name: 'export NDJSON (audit-export.ts, what GET /audit/export streams)',
      ours: exportRate,
      peer: bareReadRate,
      unit: 'rows/s vs bare read',
      ratio: exportRate / bareReadRate,
    });
    rows.push({
      name: `export peak RSS growth (base ${(baseRss / 1_048_576).toFixed(0)} MiB)`,
      ours: (peakRss - baseRss) / 1_048_576,
      peer: rowCount,
      unit: 'MiB over rows',
      ratio: 1,
      target: 'flat: independent of the row count',
    });

    const certificateCount = certificateCountFromArguments();
    const certificateSeeding = performance.now();
    const nowMs = Date.parse('2026-12-01T00:00:00Z');
    seedCertificates(database, certificateCount, nowMs);
    process.stdout.write(
      `seeded ${certificateCount} certificates in ${((performance.now() - certificateSeeding) / 1000).toFixed(1)} s\n`,
    );
    rows.push(...certificateListRows(database, certificateCount, nowMs));
    return rows;
  } finally {
    database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

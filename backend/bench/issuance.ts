/**
 * The CA in process, on the local key store through KMSService, every certificate stored
 * and audited (a kms.sign row and a certificate.issue row each):
 *
 * - issuance from RSA-2048 CSRs (made by openssl) with an RSA-2048 intermediate, with 1, 8
 *   and 16 requests in flight, each right after `openssl speed rsa2048` (one process for
 *   the sequential row, one per core for the concurrent rows: the physical limit, since
 *   every certificate costs one RSA-2048 signature), medians of 3; and held to
 *   the figure cfssl reaches over HTTP at concurrency 8 (~1.8 k/s, ../shared/BENCHMARKS.md;
 *   issuance-http.ts measures cfssl live). The run fails unless every issued certificate
 *   has its row, its certificate.issue audit row and its kms.sign audit row;
 * - a CRL of 100,000 revoked entries: generation time and size, next to `openssl ca
 *   -gencrl` over an index of the same 100,000 entries;
 * - OCSP responses/s for a cached serial (no nonce) and an uncached one (a nonce forces a
 *   fresh signature each time), next to the bare signature rate. The responder's signing and
 *   nonce budgets are configured wide open for this run (as `bench/ocsp.ts` does): with the
 *   defaults, the uncached row would soon measure answers that drop the nonce and come from
 *   the cache. The run fails unless every uncached answer echoes the request's nonce.
 *
 * Standalone: `pnpm exec tsx bench/issuance.ts` (`--issuance-only` skips CRL and OCSP).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { openPkiHarness } from '../test/harness/pki-harness.js';
import { openCaHierarchy } from '../test/harness/ca-hierarchy.js';
import type { PkiHarness } from '../test/harness/pki-harness.js';
import { parseOcspRequest } from '../src/pki/ocsp-request.js';
import { formatRows, pairedRow } from './bench-row.js';
import type { BenchRow } from './bench-row.js';
import { median, opensslSignsPerSecond } from './openssl-peer.js';

const CSR_COUNT = 16;
const ISSUE_SECONDS = 2;
const OPENSSL_SECONDS = 1;
const REPETITIONS = 3;
const IN_FLIGHT_LEVELS = [8, 16] as const;
const CRL_ENTRIES = 100_000;
const OCSP_SECONDS = 2;
/** Budgets no run of this length reaches: the uncached row measures signed answers, not refusals. */
const OCSP_BUDGETS_FOR_MEASURING = {
  signing: { capacity: 1e9, refillPerSecond: 1e9 },
  nonce: { capacity: 1e9, refillPerSecond: 1e9 },
};
/** cfssl serve at concurrency 8 on this kind of machine (BENCHMARKS.md). */
const CFSSL_C8_PER_SECOND = 1800;

async function rate(
  seconds: number,
  inFlight: number,
  work: (index: number) => Promise<unknown>,
): Promise<{ perSecond: number; count: number }> {
  let started = 0;
  let completed = 0;
  const deadline = performance.now() + seconds * 1000;
  const startedAt = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      await work(started++);
      completed++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { perSecond: completed / ((performance.now() - startedAt) / 1000), count: completed };
}

function bareSignRate(seconds: number): number {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = randomBytes(900);
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    sign('sha256', data, privateKey);
    count++;
  }
  return count / ((performance.now() - started) / 1000);
}

function countRows(h: PkiHarness, sql: string, ...parameters: string[]): number {
  return (h.temp.database.sqlite.prepare(sql).get(...parameters) as { n: number }).n;
}

interface IssuanceFigures {
  rows: BenchRow[];
  issue: (index: number) => Promise<{ certificatePem: string }>;
  caId: string;
  rootId: string;
}

interface Point {
  inFlight: number;
  /** openssl speed processes measured right before, so both see the same machine load. */
  opensslProcesses: number;
  ours: number[];
  peer: number[];
}

/**
 * Sequential, then 8 and 16 in flight, REPETITIONS times interleaved with their openssl
 * peer (the machine is shared: a peer measured minutes apart would compare two loads);
 * medians. Fails unless every certificate is stored and audited twice.
 */
async function measureIssuance(h: PkiHarness, dir: string): Promise<IssuanceFigures> {
  const { root, issuing: ca } = await openCaHierarchy(h, {
    root: { name: 'Bench Root', validityDays: 3650 },
    issuing: { name: 'Bench RSA-2048', subject: { commonName: 'Bench RSA-2048 CA' }, validityDays: 1825 },
  });
  const csrs = makeCsrs(dir);
  const issue = (index: number) =>
    h.pki.certificates.issueFromCsr(h.ctx, {
      caId: ca.id,
      profile: 'tls-server',
      csr: csrs[index % CSR_COUNT] as string,
    });
  const countStored = () => countRows(h, 'SELECT count(*) AS n FROM certificates WHERE ca_id = ?', ca.id);
  const countIssueAudits = () =>
    countRows(h, "SELECT count(*) AS n FROM audit_log WHERE operation = 'certificate.issue' AND status = 'success'");
  const countSignAudits = () =>
    countRows(h, "SELECT count(*) AS n FROM audit_log WHERE operation = 'kms.sign' AND status = 'success'");

  const cores = Math.min(availableParallelism(), Math.max(...IN_FLIGHT_LEVELS));
  const points: Point[] = [
    { inFlight: 1, opensslProcesses: 1, ours: [], peer: [] },
    ...IN_FLIGHT_LEVELS.map((inFlight) => ({ inFlight, opensslProcesses: cores, ours: [], peer: [] })),
  ];

  await rate(0.5, 1, issue);
  const before = { stored: countStored(), issueAudits: countIssueAudits(), signAudits: countSignAudits() };
  let issued = 0;
  for (let repetition = 0; repetition < REPETITIONS; repetition++) {
    for (const point of points) {
      point.peer.push(
        await opensslSignsPerSecond('rsa2048', {
          seconds: OPENSSL_SECONDS,
          ...(point.opensslProcesses > 1 ? { processes: point.opensslProcesses } : {}),
        }),
      );
      const measured = await rate(ISSUE_SECONDS, point.inFlight, issue);
      issued += measured.count;
      point.ours.push(measured.perSecond);
    }
  }
  const stored = countStored() - before.stored;
  const issueAudits = countIssueAudits() - before.issueAudits;
  const signAudits = countSignAudits() - before.signAudits;
  if (stored !== issued || issueAudits !== issued || signAudits < issued) {
    throw new Error(
      `issued ${issued} certificates but stored ${stored}, audited ${issueAudits} issuances and ${signAudits} signatures`,
    );
  }

  const rows: BenchRow[] = points.map((point) =>
    pairedRow(
      {
        name: point.inFlight === 1 ? `issue from CSR, sequential` : `issue from CSR, ${point.inFlight} in flight`,
        unit: `certs/s vs openssl speed rsa2048 signs/s, ${point.opensslProcesses} process${point.opensslProcesses > 1 ? 'es' : ''}`,
      },
      point.ours.map((ours, index) => ({ ours, peer: point.peer[index] as number })),
    ),
  );
  const atEight = median(points.find((point) => point.inFlight === 8)?.ours ?? [0]);
  rows.push({
    name: `issue from CSR, 8 in flight, vs cfssl (${issued} stored + audited)`,
    ours: atEight,
    peer: CFSSL_C8_PER_SECOND,
    unit: 'certs/s vs cfssl c=8 over HTTP (BENCHMARKS.md)',
    ratio: atEight / CFSSL_C8_PER_SECOND,
    target: '≥ 1.0× cfssl (in process; live HTTP row in issuance-http)',
  });
  return { rows, issue, caId: ca.id, rootId: root.id };
}

function makeCsrs(dir: string): string[] {
  return Array.from({ length: CSR_COUNT }, (_, index) => {
    const keyFile = join(dir, `leaf-${index}.key`);
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile], {
      stdio: 'ignore',
    });
    return execFileSync(
      'openssl',
      [
        'req',
        '-new',
        '-key',
        keyFile,
        '-subj',
        `/CN=host-${index}.bench.test`,
        '-addext',
        `subjectAltName=DNS:host-${index}.bench.test`,
      ],
      { encoding: 'utf8' },
    );
  });
}

/** Inserts revoked certificate rows straight into SQLite: the CRL reads nothing else. */
function seedRevoked(h: PkiHarness, caId: string, count: number): { serials: string[] } {
  const insert = h.temp.database.sqlite.prepare(
    `INSERT INTO certificates (id, ca_id, serial_hex, subject_dn, common_name, sans, profile, not_before, not_after, der, status, revocation_reason, revoked_at, created_at)
     VALUES (?, ?, ?, 'CN=seed', 'seed', '[]', 'tls-server', ?, ?, x'00', 'revoked', ?, ?, ?)`,
  );
  const now = Date.now();
  const reasons = ['keyCompromise', 'superseded', 'cessationOfOperation', 'affiliationChanged', 'unspecified'];
  const serials: string[] = [];
  h.temp.database.sqlite.transaction(() => {
    for (let i = 0; i < count; i++) {
      let serial = randomBytes(16);
      while (serial[0] === 0) serial = randomBytes(16);
      const hex = serial.toString('hex');
      serials.push(hex);
      insert.run(
        `seed-${i}`,
        caId,
        hex,
        now - 86_400_000,
        now + 300 * 86_400_000,
        reasons[i % reasons.length],
        now - (i % 1000) * 1000,
        now,
      );
    }
  })();
  return { serials };
}

/** `openssl ca -gencrl` over an index.txt holding the same revoked entries. */
function opensslCrlMs(dir: string, serials: readonly string[]): { ms: number; bytes: number } {
  const keyFile = join(dir, 'ca.key');
  const certFile = join(dir, 'ca.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      '/CN=openssl bench CA',
      '-days',
      '30',
    ],
    { stdio: 'ignore' },
  );
  const stamp = (date: Date) => date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  const expiry = stamp(new Date(Date.now() + 300 * 86_400_000));
  const revoked = stamp(new Date());
  writeFileSync(
    join(dir, 'index.txt'),
    serials
      .map((serial) => `R\t${expiry}\t${revoked},keyCompromise\t${serial.toUpperCase()}\tunknown\t/CN=seed\n`)
      .join(''),
  );
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    `[ca]\ndefault_ca = bench\n[bench]\ndatabase = ${dir}/index.txt\ncrlnumber = ${dir}/crlnumber\ndefault_md = sha256\ndefault_crl_days = 7\ncrl_extensions = crl_ext\n[crl_ext]\nauthorityKeyIdentifier = keyid\n`,
  );
  const outFile = join(dir, 'openssl.crl');
  const started = performance.now();
  const result = spawnSync('openssl', [
    'ca',
    '-gencrl',
    '-config',
    join(dir, 'ca.cnf'),
    '-keyfile',
    keyFile,
    '-cert',
    certFile,
    '-outdir',
    dir,
    '-out',
    outFile,
    '-batch',
  ]);
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`openssl ca -gencrl failed: ${result.stderr.toString()}`);
  execFileSync('openssl', ['crl', '-in', outFile, '-outform', 'DER', '-out', `${outFile}.der`]);
  return { ms, bytes: readFileSync(`${outFile}.der`).length };
}

export async function runIssuanceBench(options: { isIssuanceOnly?: boolean } = {}): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pki-bench-issuance-'));
  const h = await openPkiHarness({ ocspBudgets: OCSP_BUDGETS_FOR_MEASURING });
  try {
    const issuance = await measureIssuance(h, dir);
    if (options.isIssuanceOnly) return issuance.rows;
    const { issue, caId, rootId } = issuance;
    const ceiling = bareSignRate(2);

    // CRL of 100,000 entries on its own CA, so the issuance rows above do not count.
    const crlCa = await h.pki.cas.createIntermediate(h.ctx, {
      parentId: rootId,
      name: 'Bench CRL',
      subject: { commonName: 'Bench CRL CA' },
      algorithm: 'rsa-2048',
      validityDays: 365,
    });
    const { serials } = seedRevoked(h, crlCa.id, CRL_ENTRIES);
    const crlStarted = performance.now();
    const published = await h.pki.crls.publish(h.ctx, crlCa.id);
    const crlMs = performance.now() - crlStarted;
    if (published.entryCount !== CRL_ENTRIES) throw new Error(`CRL holds ${published.entryCount} entries`);
    const openssl = opensslCrlMs(dir, serials);

    // OCSP: the same nonce-less request (cached) and requests with a nonce (signed each time).
    const leafFile = join(dir, 'leaf.pem');
    const issuerFile = join(dir, 'issuer.pem');
    writeFileSync(leafFile, (await issue(0)).certificatePem);
    writeFileSync(issuerFile, h.pki.cas.getCertificatePem(caId));
    execFileSync('openssl', [
      'ocsp',
      '-issuer',
      issuerFile,
      '-cert',
      leafFile,
      '-no_nonce',
      '-reqout',
      join(dir, 'plain.der'),
    ]);
    execFileSync('openssl', ['ocsp', '-issuer', issuerFile, '-cert', leafFile, '-reqout', join(dir, 'nonce.der')]);
    const plain = readFileSync(join(dir, 'plain.der'));
    const withNonce = readFileSync(join(dir, 'nonce.der'));
    await h.pki.ocsp.respond(h.ctx, plain);
    const cached = (await rate(OCSP_SECONDS, 1, () => h.pki.ocsp.respond(h.ctx, plain))).perSecond;
    const nonce = parseOcspRequest(withNonce).nonceExtensionValue;
    if (nonce === null) throw new Error('openssl wrote an OCSP request without a nonce');
    let answersWithoutNonce = 0;
    const uncached = (
      await rate(OCSP_SECONDS, 1, async () => {
        const answer = Buffer.from(await h.pki.ocsp.respond(h.ctx, withNonce));
        // A signed answer echoes the nonce; one from the cache or a refusal does not.
        if (!answer.includes(Buffer.from(nonce))) answersWithoutNonce++;
      })
    ).perSecond;
    if (answersWithoutNonce > 0) {
      throw new Error(`${answersWithoutNonce} uncached OCSP answers did not echo the nonce: not a signed answer`);
    }

    return [
      ...issuance.rows,
      {
        name: `CRL generation, ${CRL_ENTRIES} entries`,
        ours: crlMs,
        peer: openssl.ms,
        unit: 'ms vs openssl ca -gencrl',
        ratio: openssl.ms / crlMs,
      },
      {
        name: `CRL size, ${CRL_ENTRIES} entries`,
        ours: published.der.length,
        peer: openssl.bytes,
        unit: 'bytes vs openssl',
        ratio: openssl.bytes / published.der.length,
      },
      {
        name: 'OCSP, cached serial (no nonce)',
        ours: cached,
        peer: uncached,
        unit: 'responses/s vs uncached',
        ratio: cached / uncached,
      },
      {
        name: 'OCSP, uncached (nonce: signed each time)',
        ours: uncached,
        peer: ceiling,
        unit: 'responses/s vs bare node RSA-2048 signs/s',
        ratio: uncached / ceiling,
      },
    ];
  } finally {
    await h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runIssuanceBench({ isIssuanceOnly: process.argv.includes('--issuance-only') });
  process.stdout.write(`${formatRows('Issuance in process, CRL and OCSP', rows)}\n`);
}

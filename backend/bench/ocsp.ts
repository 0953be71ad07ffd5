/**
 * `pnpm bench ocsp`: the OCSP responder in process (local key store, delegated P-256
 * responder certificate), each figure next to a peer measured in the same run:
 * - cached: the same nonce-less request, answered from the pre-signed cache (a database
 *   read, no signature), against the uncached rate;
 * - uncached: a request with a nonce, signed each time (budgets lifted for the measure),
 *   against bare node:crypto P-256 signatures per second, the ceiling of any signed answer.
 * Standalone: `pnpm exec tsx bench/ocsp.ts`.
 */
import { execFileSync } from 'node:child_process';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { openCaHierarchy } from '../test/harness/ca-hierarchy.js';
import { openPkiHarness } from '../test/harness/pki-harness.js';
import { formatRows } from './bench-row.js';
import type { BenchRow } from './bench-row.js';

const SECONDS = 3;
const UNLIMITED = { capacity: 1e9, refillPerSecond: 1e9 };

async function ratePerSecond(seconds: number, work: () => Promise<unknown>): Promise<number> {
  let completed = 0;
  const startedAt = performance.now();
  const deadline = startedAt + seconds * 1000;
  while (performance.now() < deadline) {
    await work();
    completed++;
  }
  return completed / ((performance.now() - startedAt) / 1000);
}

function bareP256SignRate(seconds: number): number {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = Buffer.alloc(300, 1);
  let completed = 0;
  const startedAt = performance.now();
  while (performance.now() - startedAt < seconds * 1000) {
    createSign('sha256').update(data).sign(privateKey);
    completed++;
  }
  return completed / ((performance.now() - startedAt) / 1000);
}

export async function runOcspBench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pki-bench-ocsp-'));
  const h = await openPkiHarness({ ocspBudgets: { signing: UNLIMITED, nonce: UNLIMITED } });
  try {
    const { issuing } = await openCaHierarchy(h, {
      root: { name: 'Bench OCSP Root', subject: { commonName: 'Bench OCSP Root' }, validityDays: 3650 },
      issuing: { name: 'Bench OCSP Issuing', subject: { commonName: 'Bench OCSP Issuing' }, validityDays: 1825 },
    });
    await h.pki.ocspSigners.ensureAll();
    const leaf = await h.pki.certificates.issueWithServerKey(h.ctx, {
      caId: issuing.id,
      profile: 'tls-client',
      algorithm: 'ec-p256',
      subject: { commonName: 'bench-ocsp.example.test' },
      validityDays: 30,
      isExportable: false,
    });
    const leafFile = join(dir, 'leaf.pem');
    const issuerFile = join(dir, 'issuer.pem');
    writeFileSync(leafFile, leaf.certificatePem);
    writeFileSync(issuerFile, h.pki.cas.getCertificatePem(issuing.id));
    const ocspArgs = ['ocsp', '-issuer', issuerFile, '-cert', leafFile];
    execFileSync('openssl', [...ocspArgs, '-no_nonce', '-reqout', join(dir, 'plain.der')]);
    execFileSync('openssl', [...ocspArgs, '-reqout', join(dir, 'nonce.der')]);
    const plain = readFileSync(join(dir, 'plain.der'));
    const withNonce = readFileSync(join(dir, 'nonce.der'));
    await h.pki.ocsp.respond(h.ctx, plain);

    const cached = await ratePerSecond(SECONDS, () => h.pki.ocsp.respond(h.ctx, plain));
    const uncached = await ratePerSecond(SECONDS, () => h.pki.ocsp.respond(h.ctx, withNonce));
    const ceiling = bareP256SignRate(SECONDS);
    return [
      {
        name: 'OCSP, cached (pre-signed, no signature)',
        ours: cached,
        peer: uncached,
        unit: 'responses/s vs uncached',
        ratio: cached / uncached,
        target: '≥ 10,000 responses/s',
      },
      {
        name: 'OCSP, uncached (nonce: signed each time)',
        ours: uncached,
        peer: ceiling,
        unit: 'responses/s vs bare node P-256 signs/s',
        ratio: uncached / ceiling,
      },
    ];
  } finally {
    await h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runOcspBench();
  process.stdout.write(`${formatRows('OCSP responder: cached vs uncached', rows)}\n`);
}

/**
 * The pkcs11 driver on a SoftHSM2 token (made by the test harness in a temp dir) next to
 * `openssl speed` and `openssl genpkey` measured in the same run. SoftHSM computes with the same
 * OpenSSL, so the ratio is the cost of PKCS#11 + graphene + our driver (and of SoftHSM's own
 * object store), not of the arithmetic. Standalone: `pnpm exec tsx bench/pkcs11.ts`.
 */
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

import { pino } from 'pino';

import type { KeyAlgorithm } from '@pki/shared';

import { Pkcs11KeyStore } from '../src/kms/drivers/pkcs11/pkcs11-key-store.js';
import { createSoftHsmToken } from '../test/harness/softhsm.js';
import type { BenchRow } from './bench-row.js';
import { GENPKEY_ARGS, median, opensslSignsPerSecond } from './openssl-peer.js';

const execFileAsync = promisify(execFile);
const SIGN_SECONDS = 3;
const DATA = Buffer.alloc(1024, 0x5a); // about the size of a TBSCertificate

interface KeygenCase {
  algorithm: KeyAlgorithm;
  runs: number;
}

/** RSA prime search is heavy-tailed: medians over many runs, fewer for 4096 to bound the time. */
const KEYGEN_CASES: KeygenCase[] = [
  { algorithm: 'rsa-2048', runs: 21 },
  { algorithm: 'rsa-4096', runs: 9 },
  { algorithm: 'ec-p256', runs: 21 },
];

export async function runPkcs11Bench(): Promise<BenchRow[]> {
  const token = await createSoftHsmToken({ tokenLabel: 'pki-bench' });
  const log = pino({ level: 'silent' });
  const options = {
    modulePath: token.modulePath,
    tokenLabel: token.tokenLabel,
    pin: token.pin,
    namespace: 'pki-bench',
  };
  // One session: `openssl speed` without -multi is one core, one operation at a time.
  const store = new Pkcs11KeyStore({ ...options, maxSessions: 1 }, log);
  const rows: BenchRow[] = [];
  try {
    const rsa = await store.generateKeyPair({ algorithm: 'rsa-2048', label: 'bench-rsa', isExportable: false });
    const ec = await store.generateKeyPair({ algorithm: 'ec-p256', label: 'bench-ec', isExportable: false });

    const rsaSigns = await signsPerSecond(() =>
      store.sign({ privateKeyRef: rsa.privateKeyRef, scheme: 'rsa-pkcs1-v1_5', hash: 'sha-256', data: DATA }),
    );
    const opensslRsa = await opensslSignsPerSecond('rsa2048', { seconds: SIGN_SECONDS });
    rows.push(
      throughputRow('pkcs11 sign RSA-2048 SHA-256 (1 in flight) vs openssl speed rsa2048', rsaSigns, opensslRsa),
    );

    const ecSigns = await signsPerSecond(() =>
      store.sign({ privateKeyRef: ec.privateKeyRef, scheme: 'ecdsa', hash: 'sha-256', data: DATA }),
    );
    const opensslEc = await opensslSignsPerSecond('ecdsap256', { seconds: SIGN_SECONDS });
    rows.push(
      throughputRow('pkcs11 sign ECDSA P-256 SHA-256 (1 in flight) vs openssl speed ecdsap256', ecSigns, opensslEc),
    );

    // Process start-up is not key generation: subtract the median cost of running openssl at all.
    const spawnBaseline = median(await timeRuns(9, () => execFileAsync('openssl', ['version'])));
    for (const testCase of KEYGEN_CASES) {
      const ours = median(
        await timeRuns(testCase.runs, async () => {
          const key = await store.generateKeyPair({
            algorithm: testCase.algorithm,
            label: `bench-keygen-${testCase.algorithm}-${performance.now()}`,
            isExportable: false,
          });
          await store.destroy(key.privateKeyRef);
        }),
      );
      const peer = Math.max(
        0.01,
        median(
          await timeRuns(testCase.runs, () =>
            execFileAsync('openssl', ['genpkey', ...GENPKEY_ARGS[testCase.algorithm]]),
          ),
        ) - spawnBaseline,
      );
      rows.push({
        name: `pkcs11 keygen ${testCase.algorithm} median of ${testCase.runs} (incl. destroy) vs openssl genpkey`,
        ours,
        peer,
        unit: 'ms',
        ratio: peer / ours,
        target: 'info: SoftHSM is the limit',
      });
    }
  } finally {
    await store.close();
    await token.cleanup();
  }
  return rows;
}

function throughputRow(name: string, ours: number, peer: number): BenchRow {
  return { name, ours, peer, unit: 'ops/s', ratio: ours / peer, target: 'info: SoftHSM is the limit' };
}

async function signsPerSecond(signOnce: () => Promise<unknown>): Promise<number> {
  for (let warmup = 0; warmup < 50; warmup += 1) await signOnce();
  const started = performance.now();
  const deadline = started + SIGN_SECONDS * 1000;
  let count = 0;
  while (performance.now() < deadline) {
    await signOnce();
    count += 1;
  }
  return count / ((performance.now() - started) / 1000);
}

async function timeRuns(runs: number, run: () => Promise<unknown>): Promise<number[]> {
  const durations: number[] = [];
  for (let index = 0; index < runs; index += 1) {
    const started = performance.now();
    await run();
    durations.push(performance.now() - started);
  }
  return durations;
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const { formatRows } = await import('./bench-row.js');
  process.stdout.write(`${formatRows('pkcs11 (SoftHSM2) vs openssl', await runPkcs11Bench())}\n`);
}

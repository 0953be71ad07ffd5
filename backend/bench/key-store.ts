/**
 * Key stores next to OpenSSL on the same machine, in the same run: sign ops/s (RSA-2048,
 * SHA-256) through the raw driver and through KMSService (with its audit row per
 * signature), against `openssl speed -seconds 3 -multi 1 rsa2048`; key generation median
 * latency (RSA-2048, RSA-4096, P-256) against `openssl genpkey`.
 *
 * Targets: one entry per driver in KEY_STORE_BENCH_TARGETS; the local driver now, kmip on
 * PyKMIP and pkcs11 on SoftHSM2 can be added as targets that open their store the way
 * their tests do. Standalone: `pnpm exec tsx bench/key-store.ts`.
 *
 * Fairness notes: `openssl speed` signs a pre-hashed digest in a tight C loop on one core;
 * ours hash ~1 KiB of data (a TBSCertificate's size) and run one signature at a time, also
 * on one core; both rates are per CPU-second (see signRate). `openssl genpkey` is a process
 * per key, so its latency includes process start-up (a few ms): it matters for P-256, where
 * generation itself is sub-millisecond, not for RSA.
 */
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import type { KeyAlgorithm } from '@pki/shared';

import type { DatabaseHandle } from '../src/db/client.js';
import type { KeyStore } from '../src/kms/key-store.js';
import { KMSService } from '../src/kms/service.js';
import { openTempLocalStore, silentLogger } from '../src/kms/testing/temp-local-store.js';
import type { RequestContext } from '../src/request-context.js';
import { formatRows } from './bench-row.js';
import type { BenchRow } from './bench-row.js';

const execFileAsync = promisify(execFile);

const SIGN_SECONDS = 3;
const SIGN_ROUNDS = 2;
const DATA = new Uint8Array(1024).fill(0x5a);
const CONTEXT: RequestContext = { actor: 'bench', requestId: 'bench' };
/** Within 1.3× of openssl's time per signature = at least 1/1.3 of its rate. */
const LOCAL_SIGN_TARGET = 1 / 1.3;

export interface KeyStoreBenchTarget {
  /** Row name prefix, e.g. "local" or "pkcs11 (SoftHSM2)". */
  name: string;
  open(): Promise<{ keyStore: KeyStore; database: DatabaseHandle; close(): Promise<void> }>;
  /** The KMSService sign target, when this driver has one. */
  signTarget?: number;
  keygen: { algorithm: KeyAlgorithm; runs: number }[];
}

export const KEY_STORE_BENCH_TARGETS: KeyStoreBenchTarget[] = [
  {
    name: 'local',
    open: async () => {
      const temp = await openTempLocalStore({ namespace: 'pki-bench' });
      return { keyStore: temp.store, database: temp.database, close: temp.cleanup };
    },
    signTarget: LOCAL_SIGN_TARGET,
    keygen: [
      { algorithm: 'rsa-2048', runs: 20 },
      { algorithm: 'rsa-4096', runs: 5 },
      { algorithm: 'ec-p256', runs: 20 },
    ],
  },
];

const GENPKEY_ARGS: Record<KeyAlgorithm, string[]> = {
  'rsa-2048': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  'rsa-3072': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'],
  'rsa-4096': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4096'],
  'ec-p256': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'ec-p384': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
};

export async function runKeyStoreBench(targets: readonly KeyStoreBenchTarget[] = KEY_STORE_BENCH_TARGETS): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];

  for (const target of targets) {
    const opened = await target.open();
    try {
      const kms = new KMSService({ keyStore: opened.keyStore, database: opened.database, log: silentLogger() });
      const key = await kms.generateKeyPair(CONTEXT, { algorithm: 'rsa-2048', label: 'bench-sign', purpose: 'ca', isExportable: false });

      // Interleaved rounds, so a burst of load from other processes hits both sides alike.
      const opensslRates: number[] = [];
      const rawRates: number[] = [];
      const auditedRates: number[] = [];
      for (let round = 0; round < SIGN_ROUNDS; round += 1) {
        opensslRates.push(await opensslSpeedRsa2048());
        rawRates.push(
          await signRate(() =>
            opened.keyStore.sign({ privateKeyRef: key.privateKeyRef, scheme: 'rsa-pkcs1-v1_5', hash: 'sha-256', data: DATA }),
          ),
        );
        auditedRates.push(
          await signRate(() => kms.sign(CONTEXT, { keyId: key.id, scheme: 'rsa-pkcs1-v1_5', hash: 'sha-256', data: DATA })),
        );
      }
      const opensslSign = mean(opensslRates);
      const rawRate = mean(rawRates);
      const auditedRate = mean(auditedRates);
      rows.push(
        { name: `${target.name}: raw driver sign RSA-2048 SHA-256 (1 in flight)`, ours: rawRate, peer: opensslSign, unit: 'sign/CPU-s vs openssl speed', ratio: rawRate / opensslSign },
        {
          name: `${target.name}: KMSService sign + audit row (1 in flight)`,
          ours: auditedRate,
          peer: opensslSign,
          unit: 'sign/CPU-s vs openssl speed',
          ratio: auditedRate / opensslSign,
          ...(target.signTarget === undefined ? {} : { target: `≥ ${target.signTarget.toFixed(2)}× (within 1.3× of openssl)` }),
        },
      );

      for (const { algorithm, runs } of target.keygen) {
        let counter = 0;
        const oursMs = await median(runs, async () => {
          const started = performance.now();
          await kms.generateKeyPair(CONTEXT, { algorithm, label: `bench-${algorithm}-${++counter}`, purpose: 'end-entity', isExportable: false });
          return performance.now() - started;
        });
        const opensslMs = await median(runs, () => timeGenpkey(GENPKEY_ARGS[algorithm]));
        rows.push({
          name: `${target.name}: KMSService generateKeyPair ${algorithm} median of ${runs}`,
          ours: oursMs,
          peer: opensslMs,
          unit: 'ms vs openssl genpkey',
          ratio: opensslMs / oursMs,
        });
      }
      await kms.close();
    } finally {
      await opened.close();
    }
  }
  return rows;
}

/** `openssl speed -seconds 3 -multi 1 rsa2048`, its sign/s column. */
async function opensslSpeedRsa2048(): Promise<number> {
  const { stdout } = await execFileAsync('openssl', ['speed', '-seconds', String(SIGN_SECONDS), '-multi', '1', 'rsa2048']);
  const match = /rsa\s+2048 bits\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)/.exec(stdout);
  if (match?.[1] === undefined) throw new Error(`cannot read sign/s from openssl speed output:\n${stdout}`);
  return Number(match[1]);
}

async function timeGenpkey(args: string[]): Promise<number> {
  const started = performance.now();
  await execFileAsync('openssl', ['genpkey', ...args, '-out', '/dev/null']);
  return performance.now() - started;
}

/**
 * Sequential: each signature awaited before the next, as `openssl speed -multi 1` does.
 * The divisor is this process's CPU time (user + system), because `openssl speed` divides
 * by its CPU user time unless given -elapsed: on a shared machine, wall time would charge
 * us for other processes' work and openssl not. System time is counted against us: the
 * audit write is mostly pwrite(2) calls into SQLite's WAL.
 */
async function signRate(signOnce: () => Promise<unknown>): Promise<number> {
  for (let index = 0; index < 50; index += 1) await signOnce();
  let count = 0;
  const cpuBefore = process.cpuUsage();
  const deadline = performance.now() + SIGN_SECONDS * 1000;
  while (performance.now() < deadline) {
    await signOnce();
    count += 1;
  }
  const cpu = process.cpuUsage(cpuBefore);
  return count / ((cpu.user + cpu.system) / 1e6);
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

async function median(runs: number, measure: () => Promise<number>): Promise<number> {
  const samples: number[] = [];
  for (let index = 0; index < runs; index += 1) samples.push(await measure());
  samples.sort((left, right) => left - right);
  const middle = Math.floor(samples.length / 2);
  return samples.length % 2 === 1 ? (samples[middle] ?? 0) : ((samples[middle - 1] ?? 0) + (samples[middle] ?? 0)) / 2;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runKeyStoreBench();
  process.stdout.write(`${formatRows('Key stores vs openssl speed / genpkey', rows)}\n`);
}

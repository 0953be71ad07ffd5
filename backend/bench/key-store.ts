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
 * ours hash ~1 KiB of data (a TBSCertificate's size) and run one signature at a time; both
 * rates are per CPU-second of the whole process, all threads (see signRate). Each loop of
 * signRate stands for one request in progress: alone, the local driver signs inline and the
 * audit row commits at once; at 8 in flight (the issuance pattern) the rows share group
 * commits, and the signatures are computed either inline on one core (a store opened with
 * `availableCores: 1`: the row the target applies to, like `openssl speed -multi 1`) or, as
 * the driver does when signatures meet, on the thread pool by the other core. That last row
 * is still judged per CPU-second, so it shows what the hand-off costs, not what two cores gain.
 *
 * Noise: the machine is shared, so rounds are short and interleaved (openssl, raw, audited,
 * audited ×8, repeat) and each ratio is the median of the per-round ratios: a burst of load
 * from elsewhere spoils one round's pair, not the figure. `openssl genpkey` is a process
 * per key, so its latency includes process start-up (a few ms): it matters for P-256, where
 * generation itself is sub-millisecond, not for RSA.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import type { KeyAlgorithm } from '@pki/shared';

import type { DatabaseHandle } from '../src/db/client.js';
import { LocalKeyStore } from '../src/kms/drivers/local/local-key-store.js';
import type { KeyStore } from '../src/kms/key-store.js';
import { openAuditedKms, openTempLocalStore, silentLogger } from '../test/harness/temp-local-store.js';
import { systemContext } from '../src/request-context.js';
import type { RequestContext } from '../src/request-context.js';
import { formatRows, pairedRow } from './bench-row.js';
import { medianOf, opensslSignsPerSecond, timeGenpkey } from './openssl-peer.js';
import type { BenchRow } from './bench-row.js';

const SIGN_SECONDS = 2;
const SIGN_ROUNDS = 5;
const CONCURRENT_SIGNS = 8;
const DATA = new Uint8Array(1024).fill(0x5a);
const CONTEXT: RequestContext = systemContext('bench');
/** Within 1.3× of openssl's time per signature = at least 1/1.3 of its rate. */
const LOCAL_SIGN_TARGET = 1 / 1.3;

export interface KeyStoreBenchTarget {
  /** Row name prefix, e.g. "local" or "pkcs11 (SoftHSM2)". */
  name: string;
  open(): Promise<{
    keyStore: KeyStore;
    /**
     * The same keys through a store that signs inline however many signatures are in flight:
     * one core does everything, as `openssl speed -multi 1` does. Without it, no such row.
     */
    oneCoreKeyStore?: KeyStore;
    database: DatabaseHandle;
    close(): Promise<void>;
  }>;
  /** The KMSService sign target, when this driver has one. */
  signTarget?: number;
  keygen: { algorithm: KeyAlgorithm; runs: number }[];
}

export const KEY_STORE_BENCH_TARGETS: KeyStoreBenchTarget[] = [
  {
    name: 'local',
    open: async () => {
      const temp = await openTempLocalStore({ namespace: 'pki-bench' });
      const oneCoreKeyStore = await LocalKeyStore.open(
        {
          dataDir: temp.dataDir,
          namespace: 'pki-bench',
          isProduction: false,
          storage: temp.sealedKeys,
          availableCores: 1,
        },
        silentLogger(),
      );
      return { keyStore: temp.store, oneCoreKeyStore, database: temp.database, close: temp.cleanup };
    },
    signTarget: LOCAL_SIGN_TARGET,
    keygen: [
      { algorithm: 'rsa-2048', runs: 20 },
      { algorithm: 'rsa-4096', runs: 5 },
      { algorithm: 'ec-p256', runs: 20 },
    ],
  },
];

export async function runKeyStoreBench(
  targets: readonly KeyStoreBenchTarget[] = KEY_STORE_BENCH_TARGETS,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];

  for (const target of targets) {
    const opened = await target.open();
    try {
      const { kms } = openAuditedKms(opened.keyStore, opened.database);
      const oneCoreKms =
        opened.oneCoreKeyStore === undefined ? undefined : openAuditedKms(opened.oneCoreKeyStore, opened.database).kms;
      const key = await kms.generateKeyPair(CONTEXT, {
        algorithm: 'rsa-2048',
        label: 'bench-sign',
        purpose: 'ca',
        isExportable: false,
      });

      // Interleaved rounds, so a burst of load from other processes hits both sides alike.
      const rounds: {
        openssl: number;
        raw: number;
        audited: number;
        auditedConcurrentOneCore: number | undefined;
        auditedConcurrentPool: number;
      }[] = [];
      const rawSign = () =>
        opened.keyStore.sign({
          privateKeyRef: key.privateKeyRef,
          scheme: 'rsa-pkcs1-v1_5',
          hash: 'sha-256',
          data: DATA,
        });
      const auditedSign =
        (service = kms) =>
        () =>
          service.sign(CONTEXT, { keyId: key.id, scheme: 'rsa-pkcs1-v1_5', hash: 'sha-256', data: DATA });
      for (let round = 0; round < SIGN_ROUNDS; round += 1) {
        rounds.push({
          openssl: await opensslSignsPerSecond('rsa2048', { seconds: SIGN_SECONDS, processes: 1 }),
          raw: await signRate(rawSign),
          audited: await signRate(auditedSign()),
          auditedConcurrentOneCore:
            oneCoreKms === undefined ? undefined : await signRate(auditedSign(oneCoreKms), CONCURRENT_SIGNS),
          auditedConcurrentPool: await signRate(auditedSign(), CONCURRENT_SIGNS),
        });
      }
      const signRow = (name: string, rate: (round: (typeof rounds)[number]) => number, signTarget?: number): BenchRow =>
        pairedRow(
          {
            name,
            unit: 'sign/CPU-s vs openssl speed',
            ...(signTarget === undefined ? {} : { target: `≥ ${signTarget.toFixed(2)}× (within 1.3× of openssl)` }),
          },
          rounds.map((round) => ({ ours: rate(round), peer: round.openssl })),
        );
      rows.push(
        signRow(`${target.name}: raw driver sign RSA-2048 SHA-256 (1 in flight)`, (round) => round.raw),
        signRow(
          `${target.name}: KMSService sign + audit row (1 in flight)`,
          (round) => round.audited,
          target.signTarget,
        ),
      );
      if (oneCoreKms !== undefined) {
        rows.push(
          signRow(
            `${target.name}: KMSService sign + audit row (${CONCURRENT_SIGNS} in flight, group commit, one core)`,
            (round) => round.auditedConcurrentOneCore ?? 0,
            target.signTarget,
          ),
        );
      }
      rows.push(
        signRow(
          `${target.name}: KMSService sign + audit row (${CONCURRENT_SIGNS} in flight, group commit, signing on the thread pool)`,
          (round) => round.auditedConcurrentPool,
        ),
      );

      for (const { algorithm, runs } of target.keygen) {
        let counter = 0;
        const oursMs = await medianOf(runs, async () => {
          const started = performance.now();
          await kms.generateKeyPair(CONTEXT, {
            algorithm,
            label: `bench-${algorithm}-${++counter}`,
            purpose: 'end-entity',
            isExportable: false,
          });
          return performance.now() - started;
        });
        const opensslMs = await medianOf(runs, () => timeGenpkey(algorithm));
        rows.push({
          name: `${target.name}: KMSService generateKeyPair ${algorithm} median of ${runs}`,
          ours: oursMs,
          peer: opensslMs,
          unit: 'ms vs openssl genpkey',
          ratio: opensslMs / oursMs,
        });
      }
      await oneCoreKms?.close();
      await kms.close();
    } finally {
      await opened.close();
    }
  }
  return rows;
}

/**
 * `inFlight` loops, each awaiting its signature before the next; 1 is what `openssl speed
 * -multi 1` does. The divisor is this process's CPU time (user + system, all threads),
 * because `openssl speed` divides by its CPU user time unless given -elapsed: on a shared
 * machine, wall time would charge us for other processes' work and openssl not. System time
 * is counted against us: the audit write is mostly pwrite(2) calls into SQLite's WAL.
 */
async function signRate(signOnce: () => Promise<unknown>, inFlight = 1): Promise<number> {
  for (let index = 0; index < 50; index += 1) await signOnce();
  let count = 0;
  const cpuBefore = process.cpuUsage();
  const deadline = performance.now() + SIGN_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        await signOnce();
        count += 1;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return count / ((cpu.user + cpu.system) / 1e6);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runKeyStoreBench();
  process.stdout.write(`${formatRows('Key stores vs openssl speed / genpkey', rows)}\n`);
}

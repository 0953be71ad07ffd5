/**
 * What every bench measures the same way: medians, and OpenSSL as the peer (`openssl speed`
 * for signatures per second, `openssl genpkey` for key generation latency).
 */
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

import type { KeyAlgorithm } from '@pki/shared';

const execFileAsync = promisify(execFile);

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The median of `runs` measurements taken one after the other. */
export async function medianOf(runs: number, measure: () => Promise<number>): Promise<number> {
  const samples: number[] = [];
  for (let index = 0; index < runs; index += 1) samples.push(await measure());
  return median(samples);
}

/** The row of each `openssl speed` algorithm whose third figure is signatures per second. */
const SPEED_ROWS = {
  rsa2048: /rsa\s+2048 bits\s+\S+\s+\S+\s+([\d.]+)/,
  ecdsap256: /256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+([\d.]+)/,
} as const;

/**
 * `openssl speed -seconds S [-multi N] ALGORITHM`, its sign/s figure. Without `processes`
 * no `-multi` is passed; with N, N processes run and their rates are summed by openssl.
 */
export async function opensslSignsPerSecond(
  algorithm: keyof typeof SPEED_ROWS,
  options: { seconds: number; processes?: number },
): Promise<number> {
  const multi = options.processes === undefined ? [] : ['-multi', String(options.processes)];
  const { stdout } = await execFileAsync('openssl', [
    'speed',
    '-seconds',
    String(options.seconds),
    ...multi,
    algorithm,
  ]);
  const match = SPEED_ROWS[algorithm].exec(stdout);
  if (match?.[1] === undefined) throw new Error(`cannot read sign/s from openssl speed ${algorithm}:\n${stdout}`);
  return Number(match[1]);
}

export const GENPKEY_ARGS: Record<KeyAlgorithm, string[]> = {
  'rsa-2048': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  'rsa-3072': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'],
  'rsa-4096': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4096'],
  'ec-p256': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'ec-p384': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
};

/** Milliseconds of one `openssl genpkey` process, start-up included. */
export async function timeGenpkey(algorithm: KeyAlgorithm): Promise<number> {
  const started = performance.now();
  await execFileAsync('openssl', ['genpkey', ...GENPKEY_ARGS[algorithm], '-out', '/dev/null']);
  return performance.now() - started;
}

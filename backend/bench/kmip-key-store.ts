/**
 * The `kmip` key store driver on a real PyKMIP 0.10 server (started by the test harness),
 * next to `openssl speed rsa2048` and `openssl genpkey` measured in the same run.
 * Standalone: `pnpm exec tsx bench/kmip-key-store.ts`.
 *
 * Unlike the in-process drivers, the work happens in another process, so rates here are per
 * wall-clock second, one request in flight (this process is mostly idle waiting; CPU-second
 * rates would flatter us). PyKMIP's ceiling is its own: it re-loads and re-validates the
 * private key on every Sign (about 29 ms, PYKMIP.md), so expect ~30 sign/s whatever the
 * client does. P-256 is absent because PyKMIP cannot generate EC keys.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import type { KeyAlgorithm } from '@pki/shared';

import { openKmipKeyStore } from '../src/kms/drivers/kmip/kmip-key-store.js';
import { startPyKmip } from '../test/harness/pykmip.js';
import { formatRows } from './bench-row.js';
import type { BenchRow } from './bench-row.js';
import { medianOf, opensslSignsPerSecond, timeGenpkey } from './openssl-peer.js';

const SIGN_SECONDS = 3;
const DATA = new Uint8Array(1024).fill(0x5a); // about the size of a TBSCertificate

const KEYGEN_CASES: { algorithm: KeyAlgorithm; runs: number }[] = [
  { algorithm: 'rsa-2048', runs: 9 },
  { algorithm: 'rsa-4096', runs: 3 },
];

export async function runKmipKeyStoreBench(): Promise<BenchRow[]> {
  const server = await startPyKmip();
  const store = await openKmipKeyStore(
    {
      backend: 'kmip',
      namespace: 'pki-bench',
      host: server.host,
      port: server.port,
      caPath: join(server.directory, 'ca.crt'),
      certPath: join(server.directory, 'client.crt'),
      keyPath: join(server.directory, 'client.key'),
    },
    { attempts: 1, timeoutMs: 60_000 },
  );
  try {
    const rows: BenchRow[] = [];
    const opensslSign = await opensslSignsPerSecond('rsa2048', { seconds: SIGN_SECONDS, processes: 1 });
    const key = await store.generateKeyPair({
      algorithm: 'rsa-2048',
      label: 'bench-sign',
      isExportable: false,
    });
    const signOnce = () =>
      store.sign({
        privateKeyRef: key.privateKeyRef,
        scheme: 'rsa-pkcs1-v1_5',
        hash: 'sha-256',
        data: DATA,
      });
    for (let index = 0; index < 5; index += 1) await signOnce();
    let count = 0;
    const started = performance.now();
    while (performance.now() - started < SIGN_SECONDS * 1000) {
      await signOnce();
      count += 1;
    }
    const signRate = count / ((performance.now() - started) / 1000);
    rows.push({
      name: 'kmip (PyKMIP): raw driver sign RSA-2048 SHA-256 (1 in flight)',
      ours: signRate,
      peer: opensslSign,
      unit: 'sign/s (wall) vs openssl speed',
      ratio: signRate / opensslSign,
    });

    let counter = 0;
    for (const { algorithm, runs } of KEYGEN_CASES) {
      const oursMs = await medianOf(runs, async () => {
        const begun = performance.now();
        await store.generateKeyPair({
          algorithm,
          label: `bench-${algorithm}-${++counter}`,
          isExportable: false,
        });
        return performance.now() - begun;
      });
      const opensslMs = await medianOf(runs, () => timeGenpkey(algorithm));
      rows.push({
        name: `kmip (PyKMIP): generateKeyPair ${algorithm} median of ${runs}`,
        ours: oursMs,
        peer: opensslMs,
        unit: 'ms vs openssl genpkey',
        ratio: opensslMs / oursMs,
      });
    }
    return rows;
  } finally {
    await store.close();
    await server.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runKmipKeyStoreBench();
  process.stdout.write(`${formatRows('kmip key store (PyKMIP) vs openssl speed / genpkey', rows)}\n`);
}

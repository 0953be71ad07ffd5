/**
 * KMIP client vs PyKMIP's own client (`kmip.pie.client.ProxyKmipClient`), both against the
 * same PyKMIP server started by the test harness, one after the other (never at the same
 * time, so they do not share the CPU). Both speak KMIP 1.2 over mutual TLS.
 *
 * - Sign RSA-2048 PKCS#1 v1.5 SHA-256: ops/s at concurrency 1, ours vs ProxyKmipClient;
 * - CreateKeyPair RSA-2048 latency;
 * - the client's own CPU time per Sign: `process.cpuUsage()` around our loop vs Python's
 *   `time.process_time()` around its loop (the server spends ~36 ms per Sign re-loading
 *   the key, so wall time alone hides client cost). Target: at most a third of PyKMIP's;
 * - our Sign ops/s at concurrency 8 (pool of 8) vs concurrency 1. Target: above.
 *
 * Run alone: `pnpm exec tsx bench/kmip-client.ts`; or through `pnpm bench kmip-client`.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { KmipClient } from '../src/kms/kmip/client.js';
import { KMIP_1_2 } from '../src/kms/kmip/messages.js';
import { signatureParameters } from '../src/kms/kmip/operations/signature-parameters.js';
import { TlsTransport } from '../src/kms/kmip/transport/tls.js';
import { startPyKmip, type PyKmipServer } from '../test/harness/pykmip.js';
import { formatRows } from './bench-row.js';
import type { BenchRow } from './bench-row.js';

const SIGN_SECONDS = 3;
const KEY_PAIRS = 3;
const PYTHON = '/usr/bin/python3';
const MESSAGE = new TextEncoder().encode('PKI Manager KMIP client benchmark message');

const PYKMIP_CLIENT_SCRIPT = String.raw`
import json, sys, time, warnings, logging
warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)
from kmip.pie.client import ProxyKmipClient
from kmip.core import enums

host, port, ca, cert, key, seconds, pairs = sys.argv[1:8]
seconds = float(seconds)
client = ProxyKmipClient(hostname=host, port=int(port), ca=ca, cert=cert, key=key,
                         config_file=sys.argv[8], kmip_version=enums.KMIPVersion.KMIP_1_2)
client.open()
latencies = []
for _ in range(int(pairs)):
    started = time.perf_counter()
    public_id, private_id = client.create_key_pair(
        enums.CryptographicAlgorithm.RSA, 2048,
        public_usage_mask=[enums.CryptographicUsageMask.VERIFY],
        private_usage_mask=[enums.CryptographicUsageMask.SIGN])
    latencies.append(time.perf_counter() - started)
client.activate(private_id)
parameters = {
    "padding_method": enums.PaddingMethod.PKCS1v15,
    "hashing_algorithm": enums.HashingAlgorithm.SHA_256,
    "cryptographic_algorithm": enums.CryptographicAlgorithm.RSA,
}
message = b"PKI Manager KMIP client benchmark message"
client.sign(message, uid=private_id, cryptographic_parameters=parameters)
operations = 0
cpu_started = time.process_time()
started = time.perf_counter()
while time.perf_counter() - started < seconds:
    client.sign(message, uid=private_id, cryptographic_parameters=parameters)
    operations += 1
wall = time.perf_counter() - started
cpu = time.process_time() - cpu_started
client.close()
print(json.dumps({"keyPairMs": 1000 * sum(latencies) / len(latencies), "signOps": operations,
                  "signSeconds": wall, "cpuMsPerSign": 1000 * cpu / operations}))
`;

interface PeerFigures {
  keyPairMs: number;
  signOps: number;
  signSeconds: number;
  cpuMsPerSign: number;
}

async function measurePeer(server: PyKmipServer): Promise<PeerFigures> {
  const paths = { ca: join(server.directory, 'ca.crt'), cert: join(server.directory, 'client.crt'), key: join(server.directory, 'client.key') };
  // An empty client config file keeps ProxyKmipClient from reading /etc/pykmip.
  const configFile = join(server.directory, 'bench-client.conf');
  await writeFile(configFile, '[client]\n');
  const { stdout } = await promisify(execFile)(
    PYTHON,
    ['-c', PYKMIP_CLIENT_SCRIPT, server.host, String(server.port), paths.ca, paths.cert, paths.key, String(SIGN_SECONDS), String(KEY_PAIRS), configFile],
    { timeout: 120_000 },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as PeerFigures;
}

async function signLoop(client: KmipClient, privateKeyId: string, concurrency: number): Promise<{ ops: number; seconds: number; cpuMsPerSign: number }> {
  const parameters = signatureParameters('rsa-pkcs1v15', 'SHA256', 'kmip');
  let ops = 0;
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  const deadline = started + SIGN_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await client.sign({ uniqueIdentifier: privateKeyId, cryptographicParameters: parameters, data: MESSAGE });
        ops += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  return { ops, seconds, cpuMsPerSign: (cpu.user + cpu.system) / 1000 / ops };
}

export async function runKmipClientBench(): Promise<BenchRow[]> {
  const server = await startPyKmip();
  const client = new KmipClient(
    new TlsTransport({ host: server.host, port: server.port, ca: server.caPem, cert: server.clientCertPem, key: server.clientKeyPem, poolSize: 8 }),
    { protocolVersion: KMIP_1_2 },
  );
  try {
    const latencies: number[] = [];
    let privateKeyId = '';
    for (let index = 0; index < KEY_PAIRS; index += 1) {
      const started = performance.now();
      const pair = await client.createKeyPair({
        commonAttributes: { cryptographicAlgorithm: 'RSA', cryptographicLength: 2048 },
        privateKeyAttributes: { cryptographicUsageMask: 1 },
        publicKeyAttributes: { cryptographicUsageMask: 2 },
      });
      latencies.push(performance.now() - started);
      privateKeyId = pair.privateKeyUniqueIdentifier;
    }
    await client.activate(privateKeyId);
    // Warm up the JIT on cheap round trips (PyKMIP answers Query in a few ms, a Sign in
    // ~40), then the pool, so compilation is not billed to the measured Signs.
    for (let index = 0; index < 300; index += 1) await client.query(['QueryOperations']);
    await signLoopOnce(client, privateKeyId, 8);
    const serial = await signLoop(client, privateKeyId, 1);
    const parallel = await signLoop(client, privateKeyId, 8);
    const peer = await measurePeer(server);

    const ourKeyPairMs = latencies.reduce((sum, value) => sum + value, 0) / latencies.length;
    const ourSerialOps = serial.ops / serial.seconds;
    const ourParallelOps = parallel.ops / parallel.seconds;
    const peerOps = peer.signOps / peer.signSeconds;
    return [
      { name: 'Sign RSA-2048 c=1', ours: ourSerialOps, peer: peerOps, unit: 'ops/s', ratio: ourSerialOps / peerOps },
      { name: 'CreateKeyPair RSA-2048 latency', ours: ourKeyPairMs, peer: peer.keyPairMs, unit: 'ms', ratio: peer.keyPairMs / ourKeyPairMs },
      {
        name: 'client CPU per Sign',
        ours: serial.cpuMsPerSign,
        peer: peer.cpuMsPerSign,
        unit: 'ms CPU',
        ratio: peer.cpuMsPerSign / serial.cpuMsPerSign,
        target: '≥ 3× (≤ ⅓ of ProxyKmipClient)',
      },
      {
        name: 'Sign RSA-2048 c=8 (peer: ours c=1)',
        ours: ourParallelOps,
        peer: ourSerialOps,
        unit: 'ops/s',
        ratio: ourParallelOps / ourSerialOps,
        target: '> 1.0× (c=8 above c=1)',
      },
    ];
  } finally {
    await client.close();
    await server.stop();
  }
}

async function signLoopOnce(client: KmipClient, privateKeyId: string, concurrency: number): Promise<void> {
  const parameters = signatureParameters('rsa-pkcs1v15', 'SHA256', 'kmip');
  await Promise.all(
    Array.from({ length: concurrency }, () =>
      client.sign({ uniqueIdentifier: privateKeyId, cryptographicParameters: parameters, data: MESSAGE }),
    ),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runKmipClientBench();
  process.stdout.write(`${formatRows('KMIP client vs PyKMIP ProxyKmipClient (same PyKMIP server)', rows)}\n`);
}

/**
 * The measured side of the KMIP client bench. `kmip-client.ts` transpiles this file and the
 * kmip library to plain JavaScript and runs it in its own `node` process, so neither tsx's
 * loader nor the bench harness (PyKMIP child, other suites' heaps) is billed to the client.
 *
 * Input: one JSON argument (`LoopConfig`). Output: one JSON line on stdout (`LoopFigures`).
 *
 * CPU is read the way Python's `time.process_time()` reads it (every thread of the process:
 * `process.cpuUsage()`), over a steady-state window after warm-up, minus the same process's
 * CPU over an idle window of the same length. The main thread's own share comes from
 * `/proc/self/task/<tid>/schedstat` where Linux offers it.
 */
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:tls';

import { KmipClient } from '../src/kms/kmip/client.js';
import { encodeBinary } from '../src/kms/kmip/codec/binary.js';
import { buildRequestMessage, KMIP_1_2 } from '../src/kms/kmip/messages.js';
import { sign, type SignRequest } from '../src/kms/kmip/operations/sign.js';
import { signatureParameters } from '../src/kms/kmip/operations/signature-parameters.js';
import { TlsTransport } from '../src/kms/kmip/transport/tls.js';
import type { KmipTransport } from '../src/kms/kmip/transport/transport.js';

export interface LoopConfig {
  host: string;
  port: number;
  caPath: string;
  certPath: string;
  keyPath: string;
  /** Length of each measured window (idle, Sign c=1, Sign c=8). */
  windowMs: number;
  /** The idle window whose CPU rate is subtracted from each measured window. */
  idleMs: number;
  /** Shorter windows for DiscoverVersions c=1 and c=8. */
  cheapWindowMs: number;
  keyPairs: number;
  /** A server that overlaps requests (`startSlowKmipServer`), to show the pool at c=1 and c=8. */
  slowServer?: { host: string; port: number; caPath: string };
  /**
   * A server answering after about a PyKMIP Sign's latency: the same Sign request bytes
   * are sent on a bare TLS socket, with no KMIP code, to read the runtime's own CPU floor
   * for one round trip at that cadence.
   */
  floorServer?: { host: string; port: number; caPath: string };
  /** Client calls replayed on a recorded Sign answer before measuring (see `warmJit`). */
  jitWarmups?: number;
  /** Only the Sign c=1 loop (for `node --cpu-prof`). */
  isProfileOnly?: boolean;
}

export interface CpuWindow {
  ops: number;
  wallMs: number;
  /** Whole process, user + system. */
  cpuMs: number;
  /** Main (JavaScript) thread alone; undefined off Linux. */
  mainThreadCpuMs: number | undefined;
}

export interface LoopFigures {
  keyPairMs: number[];
  idle: CpuWindow;
  signSerial: CpuWindow;
  signParallel: CpuWindow;
  discoverSerial: CpuWindow;
  discoverParallel: CpuWindow;
  slowServer: { serial: CpuWindow; parallel: CpuWindow } | undefined;
  /** Bare TLS round trips of `signFrameHex` to `floorServer`. */
  tlsFloor: CpuWindow | undefined;
  /** The Sign request as sent, so the peer's floor uses the same bytes. */
  signFrameHex: string;
  threads: number;
  connections: number;
}

const MESSAGE = new TextEncoder().encode('PKI Manager KMIP client benchmark message');

interface CpuSnapshot {
  wall: number;
  cpuMicros: number;
  mainThreadNanos: number | undefined;
}

function mainThreadNanos(): number | undefined {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
    return Number(fields[0]);
  } catch {
    return undefined;
  }
}

function snapshot(): CpuSnapshot {
  const usage = process.cpuUsage();
  return { wall: performance.now(), cpuMicros: usage.user + usage.system, mainThreadNanos: mainThreadNanos() };
}

function since(start: CpuSnapshot, ops: number): CpuWindow {
  const end = snapshot();
  return {
    ops,
    wallMs: end.wall - start.wall,
    cpuMs: (end.cpuMicros - start.cpuMicros) / 1000,
    mainThreadCpuMs:
      start.mainThreadNanos === undefined || end.mainThreadNanos === undefined
        ? undefined
        : (end.mainThreadNanos - start.mainThreadNanos) / 1e6,
  };
}

function threadCount(): number {
  try {
    return readdirSync('/proc/self/task').length;
  } catch {
    return 0;
  }
}

/** Runs `operation` from `concurrency` loops until `windowMs` has passed. */
async function measure(concurrency: number, windowMs: number, operation: () => Promise<unknown>): Promise<CpuWindow> {
  let ops = 0;
  const start = snapshot();
  const deadline = start.wall + windowMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await operation();
        ops += 1;
      }
    }),
  );
  return since(start, ops);
}

export async function runLoop(config: LoopConfig): Promise<LoopFigures | { profiled: CpuWindow }> {
  const transport = new TlsTransport({
    host: config.host,
    port: config.port,
    ca: readFileSync(config.caPath, 'utf8'),
    cert: readFileSync(config.certPath, 'utf8'),
    key: readFileSync(config.keyPath, 'utf8'),
    poolSize: 8,
  });
  const client = new KmipClient(transport, { protocolVersion: KMIP_1_2 });
  const parameters = signatureParameters('rsa-pkcs1v15', 'SHA256', 'kmip');
  try {
    // Opens the first connection, so no key pair pays for a TLS handshake (ProxyKmipClient
    // connects in open(), before its timed calls too).
    await client.discoverVersions();
    const keyPairMs: number[] = [];
    let privateKeyId = '';
    for (let index = 0; index < config.keyPairs; index += 1) {
      const started = performance.now();
      const pair = await client.createKeyPair({
        commonAttributes: { cryptographicAlgorithm: 'RSA', cryptographicLength: 2048 },
        privateKeyAttributes: { cryptographicUsageMask: 1 },
        publicKeyAttributes: { cryptographicUsageMask: 2 },
      });
      keyPairMs.push(performance.now() - started);
      privateKeyId = pair.privateKeyUniqueIdentifier;
    }
    await client.activate(privateKeyId);
    const signRequest: SignRequest = {
      uniqueIdentifier: privateKeyId,
      cryptographicParameters: parameters,
      data: MESSAGE,
    };
    const signOnce = () => client.sign(signRequest);
    const discoverOnce = () => client.discoverVersions();

    const signFrame = encodeBinary(
      buildRequestMessage({
        version: KMIP_1_2,
        batchItems: [{ operation: 'Sign', payload: sign.buildPayload(signRequest, { version: KMIP_1_2 }) }],
      }),
    );

    // Warm-up: the pool opens its 8 connections and the JIT compiles the request path.
    for (let index = 0; index < 300; index += 1) await discoverOnce();
    await measure(8, 500, discoverOnce);
    await measure(1, 800, signOnce);
    if ((config.jitWarmups ?? 0) > 0)
      await warmJit(signRequest, await transport.roundTrip(signFrame), config.jitWarmups ?? 0);

    if (config.isProfileOnly) return { profiled: await measure(1, config.windowMs, signOnce) };

    const idleStart = snapshot();
    await sleep(config.idleMs);
    const idle = since(idleStart, 0);
    const signSerial = await measure(1, config.windowMs, signOnce);
    const signParallel = await measure(8, config.windowMs, signOnce);
    const discoverSerial = await measure(1, config.cheapWindowMs, discoverOnce);
    const discoverParallel = await measure(8, config.cheapWindowMs, discoverOnce);
    const slowServer = config.slowServer ? await measureSlowServer(config.slowServer, config.cheapWindowMs) : undefined;
    const tlsFloor = config.floorServer
      ? await measureTlsFloor(config.floorServer, signFrame, config.windowMs)
      : undefined;
    return {
      keyPairMs,
      idle,
      signSerial,
      signParallel,
      discoverSerial,
      discoverParallel,
      slowServer,
      tlsFloor,
      signFrameHex: Buffer.from(signFrame).toString('hex'),
      threads: threadCount(),
      connections: transport.size,
    };
  } finally {
    await client.close();
  }
}

async function measureSlowServer(
  server: NonNullable<LoopConfig['slowServer']>,
  windowMs: number,
): Promise<{ serial: CpuWindow; parallel: CpuWindow }> {
  const client = new KmipClient(
    new TlsTransport({ host: server.host, port: server.port, ca: readFileSync(server.caPath, 'utf8'), poolSize: 8 }),
    { protocolVersion: KMIP_1_2 },
  );
  try {
    await measure(8, 200, () => client.discoverVersions());
    const serial = await measure(1, windowMs, () => client.discoverVersions());
    const parallel = await measure(8, windowMs, () => client.discoverVersions());
    return { serial, parallel };
  } finally {
    await client.close();
  }
}

/**
 * Runs the whole client path (build, encode, retry, decode, parse: every line a Sign runs
 * except the socket) on a recorded Sign answer, with no network, until V8 has compiled it
 * with TurboFan. A long-running service is in that state; a loop of 20 Signs a second
 * would need minutes to get there, and until then runs the same code in V8's baseline
 * tier, several times slower.
 */
async function warmJit(request: SignRequest, answer: Uint8Array, iterations: number): Promise<void> {
  const replay: KmipTransport = {
    encoding: 'binary',
    endpoint: 'replay',
    roundTrip: () => Promise.resolve(answer),
    close: () => Promise.resolve(),
  };
  const client = new KmipClient(replay, { protocolVersion: KMIP_1_2 });
  for (let index = 0; index < iterations; index += 1) await client.sign(request);
}

/** One frame out, one whole frame back, on a bare TLS socket: no pool, no codec, no retry. */
async function measureTlsFloor(
  server: NonNullable<LoopConfig['floorServer']>,
  frame: Uint8Array,
  windowMs: number,
): Promise<CpuWindow> {
  const socket = connect({ host: server.host, port: server.port, ca: readFileSync(server.caPath, 'utf8') });
  await once(socket, 'secureConnect');
  socket.setNoDelay(true);
  let onAnswer: (() => void) | undefined;
  let received = 0;
  let expected = 0;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (expected === 0 && received >= 8) expected = 8 + chunk.readUInt32BE(4);
    if (expected > 0 && received >= expected) {
      received = 0;
      expected = 0;
      onAnswer?.();
    }
  });
  const roundTrip = () =>
    new Promise<void>((resolve) => {
      onAnswer = resolve;
      socket.write(frame);
    });
  try {
    for (let index = 0; index < 20; index += 1) await roundTrip();
    return await measure(1, windowMs, roundTrip);
  } finally {
    socket.destroy();
  }
}

const [, script, argument] = process.argv;
if (script?.endsWith('kmip-client-loop.js') && argument) {
  const figures = await runLoop(JSON.parse(argument) as LoopConfig);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

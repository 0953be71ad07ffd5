/**
 * Issuance through the HTTP API against Cloudflare cfssl 1.2 `serve` (Debian golang-cfssl),
 * measured in the same run on the same CSRs with the same load generator: wrk (Debian) with
 * a Lua script that POSTs a rotating set of RSA-2048 CSRs, at concurrency 1, 8 and 32.
 *
 * Ours: `POST /trpc/certificates.issueFromCsr` on an RSA-2048 intermediate (local driver),
 * profile tls-server; every certificate is stored and audited. cfssl: `POST
 * /api/v1/cfssl/sign` with an RSA-2048 CA and a default signing profile, storing and
 * auditing nothing (see ../shared/BENCHMARKS.md for how its figures were first taken).
 * Each point is ROUNDS alternating runs of DURATION_SECONDS (after a short warm-up) of ours
 * and cfssl, reported as medians; wrk and both servers share the machine's cores, so only
 * the ratios are meaningful.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';

import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createCaHierarchy } from '../test/harness/ca-hierarchy.js';
import { loggerOptions } from '../src/logger.js';
import { actAs, tokenAs } from '../test/harness/act-as.js';
import { freePort } from '../test/harness/ports.js';
import { pairedRow } from './bench-row.js';
import type { BenchRow, PairedFigure } from './bench-row.js';

const CONCURRENCIES = [1, 8, 32] as const;
const DURATION_SECONDS = 5;
/** Alternating rounds of ours and the peer per point; the ratio is the median of the rounds' ratios. */
const ROUNDS = 3;
const WARMUP_SECONDS = 1;
const CSR_COUNT = 16;
/** Where logging costs most: many requests in flight. */
const LOGGING_CONCURRENCY = 8;

interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

export async function runIssuanceHttpBench(): Promise<BenchRow[]> {
  for (const tool of ['cfssl', 'cfssljson', 'wrk', 'openssl']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      throw new Error(`${tool} is not installed (scripts/install-system-deps.sh installs it)`);
  }
  const workDir = mkdtempSync(join(tmpdir(), 'pki-bench-http-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(workDir, { recursive: true, force: true })];
  try {
    const csrs = makeCsrs(workDir, CSR_COUNT);

    const ours = await startOurServer(join(workDir, 'ours'));
    cleanups.unshift(ours.close);
    const oursScript = writeWrkScript(
      join(workDir, 'ours.lua'),
      csrs.map((csr) => JSON.stringify({ caId: ours.caId, profile: 'tls-server', csr })),
      ours.authorization,
    );

    const cfssl = await startCfssl(join(workDir, 'cfssl'));
    cleanups.unshift(cfssl.close);
    const cfsslScript = writeWrkScript(
      join(workDir, 'cfssl.lua'),
      csrs.map((csr) => JSON.stringify({ certificate_request: csr })),
    );

    const rows: BenchRow[] = [];
    for (const concurrency of CONCURRENCIES) {
      const rounds = await alternate(
        { label: 'ours', run: () => runWrk(ours.url, oursScript, concurrency) },
        { label: 'cfssl', run: () => runWrk(cfssl.url, cfsslScript, concurrency) },
        `c=${concurrency}`,
      );
      rows.push(
        pairedRow(
          {
            name: `issue from CSR over HTTP, c=${concurrency}`,
            unit: 'certs/s',
            ...(concurrency === 8 ? { target: '≥ 1.0× cfssl (stored + audited)' } : {}),
          },
          figuresOf(rounds, (result) => result.requestsPerSecond),
        ),
        pairedRow(
          { name: `  p50 latency, c=${concurrency}`, unit: 'ms' },
          figuresOf(rounds, (result) => result.p50Ms),
          { lowerIsBetter: true },
        ),
        pairedRow(
          {
            name: `  p99 latency, c=${concurrency}`,
            unit: 'ms',
            ...(concurrency === 1 ? { target: '≥ 0.5× (within 2× of cfssl)' } : {}),
          },
          figuresOf(rounds, (result) => result.p99Ms),
          { lowerIsBetter: true },
        ),
      );
    }
    // The cost of logging at the default level: the same server at info and at warn.
    const atInfo = await startOurServer(join(workDir, 'ours-info'), 'info');
    cleanups.unshift(atInfo.close);
    const infoScript = writeWrkScript(
      join(workDir, 'ours-info.lua'),
      csrs.map((csr) => JSON.stringify({ caId: atInfo.caId, profile: 'tls-server', csr })),
      atInfo.authorization,
    );
    const loggingRounds = await alternate(
      { label: 'info', run: () => runWrk(atInfo.url, infoScript, LOGGING_CONCURRENCY) },
      { label: 'warn', run: () => runWrk(ours.url, oursScript, LOGGING_CONCURRENCY) },
      'info vs warn',
    );
    rows.push(
      pairedRow(
        {
          name: `issue over HTTP, PKI_LOG_LEVEL info vs warn, c=${LOGGING_CONCURRENCY}`,
          unit: 'certs/s',
          target: '≥ 0.95× (at most 5 % apart)',
        },
        figuresOf(loggingRounds, (result) => result.requestsPerSecond),
      ),
    );
    return rows;
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

/** One server under wrk, named in errors. */
interface Side {
  label: string;
  run: () => Promise<WrkResult>;
}

interface Round {
  ours: WrkResult;
  peer: WrkResult;
}

/**
 * ROUNDS rounds of ours then the peer, back to back. The machine's speed drifts over a
 * run (a shared host), so each round's two runs are compared with each other and the
 * medians of those paired ratios are reported, not one run of each.
 */
async function alternate(ours: Side, peer: Side, point: string): Promise<Round[]> {
  const measure = async (side: Side) => {
    const result = await side.run();
    if (result.errors > 0)
      throw new Error(`${side.label} answered ${result.errors} request(s) with an error at ${point}`);
    return result;
  };
  const rounds: Round[] = [];
  for (let round = 0; round < ROUNDS; round += 1) rounds.push({ ours: await measure(ours), peer: await measure(peer) });
  return rounds;
}

function figuresOf(rounds: readonly Round[], figure: (result: WrkResult) => number): PairedFigure[] {
  return rounds.map((round) => ({ ours: figure(round.ours), peer: figure(round.peer) }));
}

function run(command: string, args: string[], options: { cwd?: string; input?: string } = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
  return result.stdout;
}

function makeCsrs(workDir: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    const keyPath = join(workDir, `leaf-${index}.key`);
    return run('openssl', [
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-subj',
      `/CN=host-${index}.bench.example`,
    ]);
  });
}

async function startOurServer(
  dataDir: string,
  logLevel: 'info' | 'warn' = 'warn',
): Promise<{ url: string; caId: string; authorization: string; close: () => Promise<void> }> {
  // Production mode as deployed; request logging below warn is off in both servers' runs.
  // A random port in production must name its public URL; wrk reaches it on loopback anyway.
  const config = loadConfig({
    PKI_MODE: 'production',
    PKI_DATA_DIR: dataDir,
    PKI_PORT: '0',
    PKI_PUBLIC_URL: 'http://127.0.0.1',
    PKI_LOG_LEVEL: logLevel,
  });
  // The app's own logger options (the secret scrub included) into /dev/null: the cost of
  // building and writing each line is measured, not a terminal's.
  const logger = pino(loggerOptions(config, false), pino.destination({ dest: '/dev/null', sync: false }));
  const app = await buildApp(config, { logger });
  // Issued as a client would: an operator's API token (a keyed hash per request, no slow hash).
  const admin = await actAs(app.services, 'admin', 'bench-admin');
  const caller = admin.caller;
  const token = await tokenAs(app.services, 'operator', { creator: admin, name: 'bench' });
  const { issuing: intermediate } = await createCaHierarchy(caller.cas, {
    root: { name: 'bench-root', subject: { commonName: 'Bench Root' }, validityDays: 3650 },
    issuing: {
      name: 'bench-intermediate',
      subject: { commonName: 'Bench Intermediate RSA-2048' },
      algorithm: 'rsa-2048',
      validityDays: 1825,
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('our server has no address');
  return {
    url: `http://127.0.0.1:${address.port}/trpc/certificates.issueFromCsr`,
    caId: intermediate.id,
    authorization: token.headers.authorization ?? '',
    close: () => app.close(),
  };
}

async function startCfssl(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  run('mkdir', ['-p', dir]);
  writeFileSync(
    join(dir, 'ca-csr.json'),
    JSON.stringify({ CN: 'cfssl Bench CA', key: { algo: 'rsa', size: 2048 }, names: [{ O: 'bench' }] }),
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      signing: {
        default: { expiry: '8760h', usages: ['digital signature', 'key encipherment', 'server auth', 'client auth'] },
      },
    }),
  );
  const initca = run('cfssl', ['gencert', '-initca', 'ca-csr.json'], { cwd: dir });
  run('cfssljson', ['-bare', 'ca'], { cwd: dir, input: initca });
  const port = await freePort();
  const child = spawn(
    'cfssl',
    [
      'serve',
      '-address',
      '127.0.0.1',
      '-port',
      String(port),
      '-ca',
      'ca.pem',
      '-ca-key',
      'ca-key.pem',
      '-config',
      'config.json',
      '-loglevel',
      '4',
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}/api/v1/cfssl/sign`;
  await waitUntilAnswering(child, `http://127.0.0.1:${port}/api/v1/cfssl/info`);
  return {
    url,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

async function waitUntilAnswering(child: ChildProcess, url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`cfssl serve exited with ${child.exitCode}`);
    try {
      await fetch(url, { method: 'POST', body: '{}' });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error('cfssl serve did not answer within 15 s');
}

/** A wrk script POSTing the bodies in turn and printing its figures as one JSON line. */
function writeWrkScript(path: string, bodies: string[], authorization?: string): string {
  const luaBodies = bodies.map((body) => `  [==[${body}]==],`).join('\n');
  writeFileSync(
    path,
    `local bodies = {\n${luaBodies}\n}
local index = 0
local headers = { ["Content-Type"] = "application/json"${authorization === undefined ? '' : `, ["Authorization"] = "${authorization}"`} }
request = function()
  index = index % #bodies + 1
  return wrk.format("POST", nil, headers, bodies[index])
end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"statusErrors":%d,"socketErrors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
`,
  );
  return path;
}

/** Asynchronous: our server runs in this process and must keep answering while wrk runs. */
function wrk(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`wrk ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

async function runWrk(url: string, script: string, concurrency: number): Promise<WrkResult> {
  // Warm-up: JIT, connection pools and caches, not measured.
  await wrk(['-t1', `-c${concurrency}`, `-d${WARMUP_SECONDS}s`, '--timeout', '10s', '-s', script, url]);
  const output = await wrk([
    '-t1',
    `-c${concurrency}`,
    `-d${DURATION_SECONDS}s`,
    '--timeout',
    '10s',
    '-s',
    script,
    url,
  ]);
  const line = output.split('\n').find((text) => text.startsWith('WRK_JSON '));
  if (line === undefined) throw new Error(`wrk printed no summary:\n${output}`);
  const figures = JSON.parse(line.slice('WRK_JSON '.length)) as {
    requests: number;
    durationUs: number;
    p50Us: number;
    p99Us: number;
    statusErrors: number;
    socketErrors: number;
  };
  if (figures.requests === 0) throw new Error(`wrk completed no request against ${url} at c=${concurrency}`);
  return {
    requestsPerSecond: figures.requests / (figures.durationUs / 1e6),
    p50Ms: figures.p50Us / 1000,
    p99Ms: figures.p99Us / 1000,
    errors: figures.statusErrors + figures.socketErrors,
  };
}

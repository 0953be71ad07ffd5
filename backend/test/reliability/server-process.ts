/**
 * The server as operators run it, for the reliability tests: a data directory prepared
 * in-process (an admin API token, a root and an issuing CA), then `src/server.ts` started
 * as a child process on it, driven over HTTP, and stopped with a real signal.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { pino } from 'pino';

import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { tokenAs } from '../harness/act-as.js';
import { freePort, waitForPort } from '../harness/ports.js';

export const backendDir = fileURLToPath(new URL('../..', import.meta.url));
const bundlePath = join(backendDir, 'node_modules/.cache/pki-reliability/server.mjs');

interface Esbuild {
  build(options: Record<string, unknown>): Promise<unknown>;
}
interface OnLoadBuild {
  onLoad(options: { filter: RegExp }, load: (args: { path: string }) => { contents: string; loader: 'ts' }): void;
}

/**
 * The server as one ES module (packages left external), built once per test process:
 * a restart then costs Node's start and the app's boot, not tsx compiling every source file
 * again, which on a busy two-core box was most of each restart. Each source file keeps its
 * own `import.meta.url`, so migrations, package.json and workers are found where they are.
 */
let bundle: Promise<string> | undefined;
export function ensureServerBundle(): Promise<string> {
  bundle ??= (async () => {
    const requireFromBackend = createRequire(join(backendDir, 'package.json'));
    const esbuild = createRequire(requireFromBackend.resolve('tsx'))('esbuild') as Esbuild;
    await esbuild.build({
      entryPoints: [join(backendDir, 'src/server.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outfile: bundlePath,
      logLevel: 'warning',
      plugins: [
        {
          name: 'keep-source-url',
          setup(build: OnLoadBuild) {
            build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => ({
              contents: readFileSync(args.path, 'utf8').replaceAll(
                'import.meta.url',
                JSON.stringify(pathToFileURL(args.path).href),
              ),
              loader: 'ts',
            }));
          },
        },
      ],
    });
    return bundlePath;
  })();
  return bundle;
}

export interface ServerFixture {
  dataDir: string;
  port: number;
  baseUrl: string;
  /** The server's environment (production mode on loopback). */
  env: Record<string, string>;
  /** `Bearer …` of an admin API token. */
  authorization: string;
  rootCaId: string;
  issuingCaId: string;
}

function serverEnv(dataDir: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PKI_MODE: 'production',
    PKI_DATA_DIR: dataDir,
    PKI_HOST: '127.0.0.1',
    PKI_PORT: String(port),
    PKI_PUBLIC_URL: `http://127.0.0.1:${port}`,
    PKI_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** A data directory with an admin token and a two-level hierarchy, made through the real services. */
export async function prepareDataDir(
  options: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<ServerFixture> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'pki-reliability-'));
  const port = await freePort();
  const env = serverEnv(dataDir, port, options.env);
  const app = await buildApp(loadConfig(env), { logger: pino({ level: 'silent' }) });
  try {
    const admin = await tokenAs(app.services, 'admin', { name: 'reliability' });
    const root = await admin.caller.cas.createRoot({
      name: 'reliability-root',
      subject: { commonName: 'Reliability Root' },
      algorithm: 'ec-p384',
      validityDays: 3650,
    });
    const issuing = await admin.caller.cas.createIntermediate({
      parentId: root.id,
      name: 'reliability-issuing',
      subject: { commonName: 'Reliability Issuing CA' },
      algorithm: 'ec-p256',
      validityDays: 1825,
    });
    return {
      dataDir,
      port,
      baseUrl: `http://127.0.0.1:${port}`,
      env,
      authorization: `Bearer ${admin.secret}`,
      rootCaId: root.id,
      issuingCaId: issuing.id,
    };
  } finally {
    await app.close();
  }
}

export interface ServerProcess {
  child: ChildProcess;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (null when a signal ended it) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns the bundled `src/server.ts` with the fixture's environment; no wait. */
export async function spawnServer(
  fixture: Pick<ServerFixture, 'env'>,
  extraEnv: Record<string, string> = {},
): Promise<ServerProcess> {
  const { PATH, HOME } = process.env;
  const child = spawn(process.execPath, [await ensureServerBundle()], {
    cwd: backendDir,
    env: { PATH: PATH ?? '', HOME: HOME ?? tmpdir(), ...fixture.env, ...extraEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stderr: () => stderr, exited };
}

/** Spawns the server and waits until it listens (or fails with what it printed). */
export async function startServer(
  fixture: ServerFixture,
  extraEnv: Record<string, string> = {},
): Promise<ServerProcess> {
  const server = await spawnServer(fixture, extraEnv);
  const listening = waitForPort(fixture.port, { what: 'the PKI server', timeoutMs: 60_000 });
  const outcome = await Promise.race([listening.then(() => 'listening' as const), server.exited]);
  if (outcome !== 'listening') {
    throw new Error(`the server exited (${JSON.stringify(outcome)}) before listening: ${server.stderr()}`);
  }
  return server;
}

/** SIGKILL and wait for the exit. */
export async function killServer(server: ServerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill(signal);
  await server.exited;
}

export interface TrpcAnswer<T> {
  status: number;
  data?: T;
  error?: { code?: string; appCode?: string; message?: string };
}

/** One tRPC call over HTTP with the admin token: a mutation (POST) or a query (GET). */
export async function callTrpc<T>(
  fixture: Pick<ServerFixture, 'baseUrl' | 'authorization'>,
  procedure: string,
  input: unknown,
  kind: 'mutation' | 'query' = 'mutation',
): Promise<TrpcAnswer<T>> {
  const url =
    kind === 'query'
      ? `${fixture.baseUrl}/trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`
      : `${fixture.baseUrl}/trpc/${procedure}`;
  const response = await fetch(url, {
    method: kind === 'query' ? 'GET' : 'POST',
    headers: { authorization: fixture.authorization, 'content-type': 'application/json' },
    ...(kind === 'query' ? {} : { body: JSON.stringify(input) }),
  });
  const body = (await response.json()) as { result?: { data: T }; error?: { message?: string; data?: object } };
  return body.result
    ? { status: response.status, data: body.result.data }
    : {
        status: response.status,
        error: { message: body.error?.message, ...(body.error?.data as { code?: string; appCode?: string }) },
      };
}

/**
 * Starts the BUILT app (`node backend/dist/server.js`) the way an operator would, on a
 * fresh data directory and a free port, and stops it afterwards. It imports no backend
 * source: the e2e suite tests what `pnpm build` produced.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
const SERVER_ENTRY = join(REPO_ROOT, 'backend/dist/server.js');
const FRONTEND_INDEX = join(REPO_ROOT, 'frontend/dist/index.html');

/** Boot (migrations included) takes well under a second here; the margin is for a busy CI box. */
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
/** Enough of the server's output to explain a failed start, bounded so a chatty server cannot exhaust memory. */
const OUTPUT_LIMIT = 64 * 1024;

/**
 * The first admin's password (PKI_ADMIN_PASSWORD): long and uncommon enough for the
 * server's password rules, and set, so no one-time password has to be read from the log.
 */
export const E2E_ADMIN = { username: 'admin', password: 'e2e-admin-Sextant-4471' } as const;

export interface RunningApp {
  baseUrl: string;
  dataDir: string;
  /** What the server wrote so far (stdout and stderr, interleaved, truncated to the last 64 KiB). */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra PKI_* variables (they may replace PKI_ADMIN_PASSWORD); the harness sets data dir, host, port and mode. */
  env?: Record<string, string>;
  /**
   * A port chosen beforehand (see freePort), for a test that must know the app's address
   * before it starts, e.g. to register its OIDC redirect URI at a provider; a free one otherwise.
   */
  port?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolvePort(port) : reject(new Error('could not obtain a free port'))));
    });
  });
}

/** The parent's environment minus any PKI_* setting a developer may have exported. */
export function cleanEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PKI_')));
}

export async function startBuiltApp(options: StartOptions = {}): Promise<RunningApp> {
  for (const [path, what] of [
    [SERVER_ENTRY, 'backend'],
    [FRONTEND_INDEX, 'frontend'],
  ] as const) {
    if (!existsSync(path)) {
      throw new Error(`The built ${what} is missing (${path}). Run \`pnpm build\` at the repository root first.`);
    }
  }

  const dataDir = mkdtempSync(join(tmpdir(), 'pki-e2e-'));
  const port = options.port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  let output = '';
  const record = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };

  const child = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: REPO_ROOT,
    env: {
      ...cleanEnvironment(),
      PKI_ADMIN_PASSWORD: E2E_ADMIN.password,
      ...options.env,
      PKI_DATA_DIR: dataDir,
      PKI_HOST: '127.0.0.1',
      PKI_PORT: String(port),
      PKI_MODE: 'production',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', record);
  child.stderr.on('data', record);

  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    await waitForHealthy(baseUrl, child);
  } catch (error) {
    await stopProcess(child);
    removeDataDir();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${reason}\n--- server output ---\n${output.trim() || '(none)'}\n--- end of server output ---`);
  }

  return {
    baseUrl,
    dataDir,
    output: () => output,
    async stop() {
      await stopProcess(child);
      removeDataDir();
    },
  };
}

async function waitForHealthy(baseUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The server exited during start (code ${child.exitCode ?? child.signalCode}).`);
    }
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
      lastProblem = `GET /healthz answered ${response.status}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
  throw new Error(
    `The server did not answer GET /healthz with 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${lastProblem}).`,
  );
}

/** SIGTERM lets the app close its database cleanly; SIGKILL only if it does not within the bound. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

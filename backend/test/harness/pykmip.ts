/**
 * Starts a real PyKMIP server (Debian `python3-pykmip` 0.10) on 127.0.0.1 for integration
 * tests and benchmarks: throwaway CA, server and client certificates made with openssl in a
 * temp dir, a SQLite object store in that dir, mutual TLS 1.2.
 *
 *   const kmip = await startPyKmip();
 *   ... tls.connect({ host: kmip.host, port: kmip.port, ca: kmip.caPem, cert: kmip.clientCertPem, key: kmip.clientKeyPem })
 *   await kmip.restart(); // same port, same database: objects survive
 *   await kmip.stop();    // kills the server and deletes the temp dir
 *
 * Quirks handled here (see PyKMIP facts): every `[server]` key must be known; `policy_path`
 * must be an existing directory; `auth_suite=TLS1.2` refuses TLS 1.3; with an RSA server
 * certificate only two ECDHE-CBC suites are usable; the client certificate needs EKU
 * clientAuth and exactly one CN (the object owner); the server needs SAN 127.0.0.1 for
 * Node's identity check; stop with SIGTERM to the main pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';

import { freePort } from './ports.js';

const execFileAsync = promisify(execFile);

export interface PyKmipServer {
  host: string;
  port: number;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** The client certificate's CN, i.e. the identity that owns the objects the client creates. */
  clientIdentity: string;
  /** Temp directory holding certificates, config, database and server log. */
  directory: string;
  /** Server log path (the server writes DEBUG-level request/response encodings there). */
  logPath: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and keeps its directory: `start()` brings it back on the same port and database. */
  halt(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT to its process group: a server that accepts connections and never answers. */
  freeze(): void;
  thaw(): void;
}

export interface StartPyKmipOptions {
  /** Maximum wait for the first successful mTLS handshake. */
  startTimeoutMs?: number;
  clientIdentity?: string;
}

const PYTHON = '/usr/bin/python3';
const SERVER_ENTRYPOINT = '/usr/bin/pykmip-server';
const CIPHER_SUITES = 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384';

export function isPyKmipInstalled(): boolean {
  return existsSync(PYTHON) && existsSync(SERVER_ENTRYPOINT);
}

export async function startPyKmip(options: StartPyKmipOptions = {}): Promise<PyKmipServer> {
  if (!isPyKmipInstalled()) {
    throw new Error(`PyKMIP is not installed (${SERVER_ENTRYPOINT} missing): apt-get install python3-pykmip`);
  }
  const clientIdentity = options.clientIdentity ?? 'pki-manager-test';
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const directory = await mkdtemp(join(tmpdir(), 'pykmip-'));
  const host = '127.0.0.1';
  try {
    await makeCertificates(directory, clientIdentity);
    const port = await freePort(host);
    const policyDirectory = join(directory, 'policies');
    await mkdir(policyDirectory);
    const configPath = join(directory, 'server.conf');
    const logPath = join(directory, 'server.log');
    const consolePath = join(directory, 'server.console.log');
    await writeFile(
      configPath,
      [
        '[server]',
        `hostname=${host}`,
        `port=${port}`,
        `certificate_path=${join(directory, 'server.crt')}`,
        `key_path=${join(directory, 'server.key')}`,
        `ca_path=${join(directory, 'ca.crt')}`,
        'auth_suite=TLS1.2',
        `policy_path=${policyDirectory}`,
        'enable_tls_client_auth=True',
        `tls_cipher_suites=${CIPHER_SUITES}`,
        'logging_level=INFO',
        `database_path=${join(directory, 'pykmip.db')}`,
        '',
      ].join('\n'),
    );
    const [caPem, clientCertPem, clientKeyPem] = await Promise.all([
      readFile(join(directory, 'ca.crt'), 'utf8'),
      readFile(join(directory, 'client.crt'), 'utf8'),
      readFile(join(directory, 'client.key'), 'utf8'),
    ]);
    const credentials = { caPem, clientCertPem, clientKeyPem };

    let child: ChildProcess | undefined;
    const launch = async (): Promise<void> => {
      // Console output goes to a file, not a pipe: the server echoes every request's log
      // lines there, and reading them would bill this process's CPU (and the benchmark's).
      const consoleFd = openSync(consolePath, 'a');
      try {
        child = spawn(PYTHON, [SERVER_ENTRYPOINT, '-f', configPath, '-l', logPath], {
          cwd: directory,
          stdio: ['ignore', consoleFd, consoleFd],
          // Its own process group, so stop() also reaches the helper processes it forks.
          detached: true,
        });
      } finally {
        closeSync(consoleFd);
      }
      await waitUntilReady(child, host, port, credentials, startTimeoutMs, [consolePath, logPath]);
    };
    const halt = async (): Promise<void> => {
      if (child) await terminate(child);
      child = undefined;
    };

    await launch();
    let isStopped = false;
    return {
      host,
      port,
      ...credentials,
      clientIdentity,
      directory,
      logPath,
      async stop() {
        if (isStopped) return;
        isStopped = true;
        await halt();
        await rm(directory, { recursive: true, force: true });
      },
      async restart() {
        await halt();
        await launch();
      },
      halt,
      start: launch,
      freeze() {
        if (child?.pid !== undefined) process.kill(-child.pid, 'SIGSTOP');
      },
      thaw() {
        if (child?.pid !== undefined) process.kill(-child.pid, 'SIGCONT');
      },
    };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

async function openssl(directory: string, args: string[]): Promise<void> {
  await execFileAsync('openssl', args, { cwd: directory });
}

async function makeCertificates(directory: string, clientIdentity: string): Promise<void> {
  await writeFile(
    join(directory, 'server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
  );
  await writeFile(
    join(directory, 'client.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  );
  await openssl(directory, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=PyKMIP test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  for (const [name, subject] of [
    ['server', '/CN=localhost'],
    ['client', `/CN=${clientIdentity}`],
  ] as const) {
    await openssl(directory, [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
    ]);
    await openssl(directory, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ]);
  }
}

function tryHandshake(
  host: string,
  port: number,
  credentials: { caPem: string; clientCertPem: string; clientKeyPem: string },
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port,
      ca: credentials.caPem,
      cert: credentials.clientCertPem,
      key: credentials.clientKeyPem,
      timeout: 2000,
    });
    const finish = (isReady: boolean) => {
      socket.destroy();
      resolve(isReady);
    };
    socket.once('secureConnect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.once('timeout', () => finish(false));
  });
}

async function waitUntilReady(
  child: ChildProcess,
  host: string,
  port: number,
  credentials: { caPem: string; clientCertPem: string; clientKeyPem: string },
  timeoutMs: number,
  logPaths: string[],
): Promise<void> {
  let exitCode: number | null = null;
  child.once('exit', (code) => {
    exitCode = code ?? -1;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== null) break;
    if (await tryHandshake(host, port, credentials)) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  const tails = await Promise.all(
    logPaths.map(async (path) => `${path}:\n${(await readFile(path, 'utf8').catch(() => '')).slice(-2000)}`),
  );
  await terminate(child);
  throw new Error(
    `PyKMIP did not accept mTLS on ${host}:${port} within ${timeoutMs} ms` +
      (exitCode !== null ? ` (exited with ${String(exitCode)})` : '') +
      `\n${tails.join('\n')}`,
  );
}

async function terminate(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signalGroup('SIGTERM');
    // On SIGTERM the server joins every connection thread for up to 10 s each, and a thread
    // only notices a closed client after its 10 s read timeout. Each request is committed to
    // SQLite before it is answered, so a kill after a short grace loses nothing.
    const timer = setTimeout(() => signalGroup('SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
  }
  // Forked helpers outlive a killed parent; take the whole group down.
  signalGroup('SIGKILL');
}

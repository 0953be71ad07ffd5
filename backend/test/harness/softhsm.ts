/**
 * Creates a real SoftHSM2 token in a throwaway directory for integration tests and benchmarks
 * (Debian `softhsm2` 2.6.1). Nothing touches the system token store.
 *
 *   const token = await createSoftHsmToken();
 *   const store = new Pkcs11KeyStore({ modulePath: token.modulePath, tokenLabel: token.tokenLabel, pin: token.pin, ... }, log);
 *   ...
 *   await store.close();
 *   await token.cleanup(); // deletes the directory and restores SOFTHSM2_CONF
 *
 * SoftHSM reads `SOFTHSM2_CONF` when the module is initialized (C_Initialize), so this helper
 * sets it on `process.env` of the calling process, and it must be set BEFORE any key store
 * loads the module. All key stores of one process share the one loaded library, so one process
 * sees one token directory at a time: create one token per test file, not per test. Child
 * processes (pkcs11-tool, softhsm2-util, a server under test) need `token.env` in their env.
 *
 * SoftHSM quirk handled here: after `--init-token --free` the token moves to a new random slot
 * id, so callers find it by label, never by slot number.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Debian's path; other distributions put it under /usr/lib64 or /usr/local/lib. */
const MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib64/pkcs11/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

export interface SoftHsmToken {
  modulePath: string;
  tokenLabel: string;
  /** User PIN (test-only secret). */
  pin: string;
  soPin: string;
  /** The softhsm2.conf written for this token. */
  configPath: string;
  /** `{ SOFTHSM2_CONF }`, for child processes. */
  env: Record<string, string>;
  /** Temp directory holding the config and the token files. */
  directory: string;
  cleanup(): Promise<void>;
}

/** The app's environment for the `pkcs11` driver on `token`, under `namespace`. */
export function pkcs11DriverEnv(token: SoftHsmToken, namespace: string): Record<string, string> {
  return {
    PKI_KMS_BACKEND: 'pkcs11',
    PKI_KMS_NAMESPACE: namespace,
    PKI_PKCS11_MODULE: token.modulePath,
    PKI_PKCS11_TOKEN_LABEL: token.tokenLabel,
    PKI_PKCS11_PIN: token.pin,
  };
}

/** OpenSC `pkcs11-tool` arguments that log in to `token` and pick the object with CKA_ID `keyId`. */
export function pkcs11ToolKeyArgs(token: SoftHsmToken, keyId: string): string[] {
  return [
    '--module',
    token.modulePath,
    '--token-label',
    token.tokenLabel,
    '--login',
    '--pin',
    token.pin,
    '--id',
    keyId,
  ];
}

export interface CreateSoftHsmTokenOptions {
  tokenLabel?: string;
  pin?: string;
  soPin?: string;
}

export function findSoftHsmModule(): string | undefined {
  return MODULE_CANDIDATES.find((candidate) => existsSync(candidate));
}

/** Why SoftHSM2 cannot be used on this machine, or undefined when it can (for visible skips). */
export function softHsmUnavailableReason(): string | undefined {
  if (findSoftHsmModule() === undefined) {
    return `SoftHSM2 module not found (looked in ${MODULE_CANDIDATES.join(', ')}): apt-get install softhsm2`;
  }
  return undefined;
}

export async function createSoftHsmToken(options: CreateSoftHsmTokenOptions = {}): Promise<SoftHsmToken> {
  const modulePath = findSoftHsmModule();
  if (modulePath === undefined) {
    throw new Error(softHsmUnavailableReason());
  }
  const tokenLabel = options.tokenLabel ?? 'pki-test';
  const pin = options.pin ?? '1234';
  const soPin = options.soPin ?? '5678';

  const directory = await mkdtemp(join(tmpdir(), 'softhsm-'));
  const tokenDirectory = join(directory, 'tokens');
  const configPath = join(directory, 'softhsm2.conf');
  await mkdir(tokenDirectory, { mode: 0o700 });
  await writeFile(
    configPath,
    [
      `directories.tokendir = ${tokenDirectory}`,
      'objectstore.backend = file',
      'log.level = ERROR',
      'slots.removable = false',
      '',
    ].join('\n'),
  );
  const env = { SOFTHSM2_CONF: configPath };
  const previousConf = process.env.SOFTHSM2_CONF;

  try {
    await execFileAsync(
      'softhsm2-util',
      ['--init-token', '--free', '--label', tokenLabel, '--so-pin', soPin, '--pin', pin],
      { env: { ...process.env, ...env } },
    );
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw new Error(`softhsm2-util --init-token failed: ${describeExecError(error)}`, { cause: error });
  }
  process.env.SOFTHSM2_CONF = configPath;

  return {
    modulePath,
    tokenLabel,
    pin,
    soPin,
    configPath,
    env,
    directory,
    async cleanup() {
      if (process.env.SOFTHSM2_CONF === configPath) {
        if (previousConf === undefined) delete process.env.SOFTHSM2_CONF;
        else process.env.SOFTHSM2_CONF = previousConf;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function describeExecError(error: unknown): string {
  if (error instanceof Error && 'stderr' in error && typeof error.stderr === 'string' && error.stderr !== '') {
    return error.stderr.trim();
  }
  return error instanceof Error ? error.message : String(error);
}

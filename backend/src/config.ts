/**
 * Configuration: the only module that reads process.env. `loadConfig(env)` is pure and
 * either returns a frozen Config or throws a ConfigError whose message is one line naming
 * the variable, what is allowed and what was given; server.ts prints it and exits 1.
 * Every variable here is listed in the README's configuration table.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parse as parseDotEnv } from 'dotenv';
import { z } from 'zod';

import { KMS_BACKENDS } from '@pki/shared';

import { ConfigError } from './errors.js';

export const MODES = ['production', 'development', 'test'] as const;
export type Mode = (typeof MODES)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

type Env = Readonly<Record<string, string | undefined>>;

/** A variable that failed validation; collected so the first one is reported in one line. */
class InvalidVariable extends Error {
  constructor(
    readonly variable: string,
    readonly expectation: string,
    readonly received: string | undefined,
  ) {
    super(
      `${variable}: ${expectation}${received === undefined ? ', but it is not set' : `, got ${JSON.stringify(received)}`}`,
    );
  }
}

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = read(env, name);
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidVariable(name, `expected one of ${allowed.join(', ')}`, value);
}

function integer(env: Env, name: string, min: number, max: number, fallback: number): number {
  const value = read(env, name);
  if (value === undefined) return fallback;
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new InvalidVariable(name, `expected an integer ${min}–${max}`, value);
  }
  return parsed;
}

function required(env: Env, name: string, expectation: string): string {
  const value = read(env, name);
  if (value === undefined) throw new InvalidVariable(name, expectation, undefined);
  return value;
}

function url(env: Env, name: string, fallback?: string): string {
  const value = read(env, name) ?? fallback;
  if (value === undefined) throw new InvalidVariable(name, 'expected an http(s) URL', undefined);
  const parsed = z.url({ protocol: /^https?$/ }).safeParse(value);
  if (!parsed.success) throw new InvalidVariable(name, 'expected an http(s) URL', value);
  return value.replace(/\/+$/, '');
}

function existingFile(env: Env, name: string, baseDir: string, isRequired: boolean): string | undefined {
  const value = read(env, name);
  if (value === undefined) {
    if (isRequired) throw new InvalidVariable(name, 'expected the path of a readable file', undefined);
    return undefined;
  }
  const path = isAbsolute(value) ? value : resolve(baseDir, value);
  if (!existsSync(path)) throw new InvalidVariable(name, 'expected the path of a readable file (not found)', value);
  return path;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "90s", "15m", "12h", "7d" → seconds. */
function duration(env: Env, name: string, fallback: string, minSeconds: number, maxSeconds: number): number {
  const value = read(env, name) ?? fallback;
  const match = /^(\d+)([smhd])$/.exec(value);
  const seconds = match ? Number(match[1]) * (DURATION_UNITS[match[2] ?? 's'] ?? 1) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < minSeconds || seconds > maxSeconds) {
    throw new InvalidVariable(
      name,
      `expected a duration such as 12h or 7d, between ${minSeconds}s and ${maxSeconds / 86_400}d`,
      value,
    );
  }
  return seconds;
}

export type KmsConfig =
  | { backend: 'local'; namespace: string }
  | {
      backend: 'cosmian';
      namespace: string;
      url: string;
      token: string | undefined;
      apiKey: string | undefined;
      caPath: string | undefined;
      clientCertPath: string | undefined;
      clientKeyPath: string | undefined;
    }
  | {
      backend: 'kmip';
      namespace: string;
      host: string;
      port: number;
      caPath: string;
      certPath: string;
      keyPath: string;
    }
  | { backend: 'pkcs11'; namespace: string; modulePath: string; tokenLabel: string; pin: string };

export interface Config {
  mode: Mode;
  host: string;
  port: number;
  /** Base URL printed into certificates (CRL distribution point, AIA) and links. */
  publicUrl: string;
  dataDir: string;
  databasePath: string;
  logLevel: (typeof LOG_LEVELS)[number];
  /** The built frontend; served in production mode when it exists. */
  frontendDir: string;
  crlValiditySeconds: number;
  kms: KmsConfig;
  kmsRequest: { attempts: number; timeoutMs: number };
  auth: AuthConfig;
}

export interface AuthConfig {
  /** The first-start admin's password; unset: a random one-time password is logged once. */
  adminPassword: string | undefined;
  sessionIdleSeconds: number;
  sessionMaxSeconds: number;
  approvalTtlSeconds: number;
  /** Host names besides the public URL's (and loopback) that requests may name (DNS rebinding). */
  allowedHosts: readonly string[];
}

const HOST_NAME_PATTERN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^\[?[0-9A-Fa-f:.]+\]?$/;

function loadAuthConfig(env: Env): AuthConfig {
  const adminPassword = env.PKI_ADMIN_PASSWORD;
  if (adminPassword !== undefined && adminPassword !== '' && adminPassword.length < 12) {
    throw new InvalidVariable('PKI_ADMIN_PASSWORD', 'expected at least 12 characters', '(hidden)');
  }
  const allowedHosts = (read(env, 'PKI_ALLOWED_HOSTS') ?? '')
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host !== '');
  const invalidHost = allowedHosts.find((host) => !HOST_NAME_PATTERN.test(host));
  if (invalidHost !== undefined) {
    throw new InvalidVariable('PKI_ALLOWED_HOSTS', 'expected comma-separated host names without ports', invalidHost);
  }
  const sessionIdleSeconds = duration(env, 'PKI_SESSION_IDLE', '30m', 60, 7 * 86_400);
  const sessionMaxSeconds = duration(env, 'PKI_SESSION_MAX', '12h', 60, 30 * 86_400);
  if (sessionMaxSeconds < sessionIdleSeconds) {
    throw new InvalidVariable(
      'PKI_SESSION_MAX',
      'expected a duration no shorter than PKI_SESSION_IDLE',
      read(env, 'PKI_SESSION_MAX'),
    );
  }
  return {
    adminPassword: adminPassword === '' ? undefined : adminPassword,
    sessionIdleSeconds,
    sessionMaxSeconds,
    approvalTtlSeconds: duration(env, 'PKI_APPROVAL_TTL', '24h', 60, 30 * 86_400),
    allowedHosts,
  };
}

const DEFAULT_FRONTEND_DIR = fileURLToPath(new URL('../../frontend/dist', import.meta.url));

function loadKmsConfig(env: Env, baseDir: string): KmsConfig {
  const backend = oneOf(env, 'PKI_KMS_BACKEND', KMS_BACKENDS, 'local');
  const namespace = read(env, 'PKI_KMS_NAMESPACE') ?? 'pki-manager';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(namespace)) {
    throw new InvalidVariable('PKI_KMS_NAMESPACE', 'expected 1–64 letters, digits, ".", "_" or "-"', namespace);
  }
  switch (backend) {
    case 'local':
      return { backend, namespace };
    case 'cosmian': {
      const token = read(env, 'PKI_COSMIAN_TOKEN');
      const apiKey = read(env, 'PKI_COSMIAN_API_KEY');
      const clientCertPath = existingFile(env, 'PKI_COSMIAN_CLIENT_CERT', baseDir, false);
      const clientKeyPath = existingFile(env, 'PKI_COSMIAN_CLIENT_KEY', baseDir, clientCertPath !== undefined);
      return {
        backend,
        namespace,
        url: url(env, 'PKI_COSMIAN_URL'),
        token,
        apiKey,
        caPath: existingFile(env, 'PKI_COSMIAN_CA', baseDir, false),
        clientCertPath,
        clientKeyPath,
      };
    }
    case 'kmip':
      return {
        backend,
        namespace,
        host: required(env, 'PKI_KMIP_HOST', 'expected the KMIP server host name'),
        port: integer(env, 'PKI_KMIP_PORT', 1, 65_535, 5696),
        caPath: existingFile(env, 'PKI_KMIP_CA', baseDir, true) as string,
        certPath: existingFile(env, 'PKI_KMIP_CERT', baseDir, true) as string,
        keyPath: existingFile(env, 'PKI_KMIP_KEY', baseDir, true) as string,
      };
    case 'pkcs11': {
      const pinFile = existingFile(env, 'PKI_PKCS11_PIN_FILE', baseDir, false);
      const pin = pinFile === undefined ? read(env, 'PKI_PKCS11_PIN') : readFileSync(pinFile, 'utf8').trim();
      if (pin === undefined || pin === '') {
        throw new InvalidVariable('PKI_PKCS11_PIN', 'expected the token user PIN (or PKI_PKCS11_PIN_FILE)', undefined);
      }
      return {
        backend,
        namespace,
        modulePath: existingFile(env, 'PKI_PKCS11_MODULE', baseDir, true) as string,
        tokenLabel: required(env, 'PKI_PKCS11_TOKEN_LABEL', 'expected the label of an initialized token'),
        pin,
      };
    }
  }
}

/** Pure: the same environment always gives the same Config or the same error. */
export function loadConfig(env: Env, baseDir: string = process.cwd()): Readonly<Config> {
  try {
    const mode = oneOf(env, 'PKI_MODE', MODES, 'production');
    const host = read(env, 'PKI_HOST') ?? '127.0.0.1';
    const port = integer(env, 'PKI_PORT', 0, 65_535, 3000);
    const dataDirValue = read(env, 'PKI_DATA_DIR') ?? './data';
    const dataDir = isAbsolute(dataDirValue) ? dataDirValue : resolve(baseDir, dataDirValue);
    const databaseValue = read(env, 'PKI_DB_PATH');
    const databasePath =
      databaseValue === undefined
        ? resolve(dataDir, 'pki.sqlite')
        : isAbsolute(databaseValue)
          ? databaseValue
          : resolve(baseDir, databaseValue);
    const displayHost = host.includes(':') ? `[${host}]` : host;
    const config: Config = {
      mode,
      host,
      port,
      publicUrl: url(env, 'PKI_PUBLIC_URL', `http://${displayHost}:${port}`),
      dataDir,
      databasePath,
      logLevel: oneOf(env, 'PKI_LOG_LEVEL', LOG_LEVELS, mode === 'test' ? 'warn' : 'info'),
      frontendDir: read(env, 'PKI_FRONTEND_DIR') ?? DEFAULT_FRONTEND_DIR,
      crlValiditySeconds: duration(env, 'PKI_CRL_VALIDITY', '7d', 3600, 366 * 86_400),
      kms: loadKmsConfig(env, baseDir),
      kmsRequest: {
        attempts: integer(env, 'PKI_KMS_ATTEMPTS', 1, 10, 3),
        timeoutMs: integer(env, 'PKI_KMS_TIMEOUT_MS', 100, 600_000, 30_000),
      },
      auth: loadAuthConfig(env),
    };
    return Object.freeze(config);
  } catch (error) {
    if (error instanceof InvalidVariable) {
      throw new ConfigError(error.message, { details: { variable: error.variable } });
    }
    throw error;
  }
}

/**
 * The process environment, with a `.env` file in the working directory (if any) filling
 * in what the environment leaves unset; a real environment variable always wins.
 */
export function readEnvironment(cwd: string = process.cwd()): Env {
  const dotEnvPath = resolve(cwd, '.env');
  const fromFile = existsSync(dotEnvPath) ? parseDotEnv(readFileSync(dotEnvPath)) : {};
  return { ...fromFile, ...process.env };
}

/** Whether the process runs under CI; only tests and scripts use this. */
export function isCi(env: Env = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

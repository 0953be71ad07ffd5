/**
 * Configuration: the server's only reader of process.env (the CLI has its own, cli/cli-config.ts).
 * `loadConfig(env)` takes the environment as an argument and either returns a frozen Config
 * or throws a ConfigError whose message is one line naming the variable, what is allowed and
 * what was given; server.ts prints it and exits 1.
 * Every variable here is listed in the README's configuration table.
 *
 * Longer than our ~400-line guide on purpose: every variable is declared, validated and
 * documented here, once, so that the README's table and this file can be read side by side.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parse as parseDotEnv } from 'dotenv';
import { z } from 'zod';

import { KMS_BACKENDS, USER_ROLES } from '@pki/shared';
import type { UserRole } from '@pki/shared';

import { parseAuditSinkSpec } from './audit/sinks/audit-sinks.js';
import type { AuditSinkSpec } from './audit/sinks/audit-sinks.js';
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

function flag(env: Env, name: string): boolean {
  const value = read(env, name);
  if (value === undefined) return false;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new InvalidVariable(name, 'expected true or false', value);
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

/** 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit. */
function identifier(env: Env, name: string, fallback: string): string {
  const value = read(env, name) ?? fallback;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value)) {
    throw new InvalidVariable(name, 'expected 1–64 letters, digits, ".", "_" or "-"', value);
  }
  return value;
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
      /** The server's KMS_VENDOR_IDENTIFICATION: the vendor of the tag attribute the driver sets. */
      vendorId: string;
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

/** Sign-in through an OpenID Provider (auth/oidc/); absent when PKI_OIDC_ISSUER is unset. */
export interface OidcConfig {
  /** The issuer identifier, exactly as the provider's discovery document states it. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The claim (ID token or userinfo) whose values map to roles; a string or an array of strings. */
  roleClaim: string;
  /** Claim value → role, in the order given; the highest role wins when several match. */
  roleMapping: ReadonlyArray<{ role: UserRole; claimValue: string }>;
  /** Shown on the sign-in button. */
  name: string;
  /** `PKI_PUBLIC_URL/auth/oidc/callback`, registered at the provider. */
  redirectUri: string;
}

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
  /** PKI_SHUTDOWN_TIMEOUT: how long SIGTERM waits for in-flight requests before exiting anyway. */
  shutdownTimeoutSeconds: number;
  kms: KmsConfig;
  kmsRequest: { attempts: number; timeoutMs: number };
  /** PKI_KMS_PROBE_INTERVAL_MS: how often an open key-store circuit is probed (kms/key-store-breaker.ts). */
  kmsProbeIntervalMs: number;
  /** `/metrics` answers without a bearer token (a scraper on a private network). */
  isMetricsPublic: boolean;
  auth: AuthConfig;
  oidc: OidcConfig | undefined;
  audit: AuditConfig;
}

export interface AuditConfig {
  /** Sign a checkpoint after this many rows; undefined in test mode unless set. */
  checkpointRows: number | undefined;
  /** …and this often when rows were added; undefined in test mode unless set. */
  checkpointIntervalSeconds: number | undefined;
  sinks: readonly AuditSinkSpec[];
}

/** Tests build hundreds of apps: checkpoints there are opt-in, so only the tests that want them sign. */
function loadAuditConfig(env: Env, mode: Mode): AuditConfig {
  const isOptIn = mode === 'test';
  const sinks = (read(env, 'PKI_AUDIT_SINKS') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      try {
        return parseAuditSinkSpec(entry);
      } catch (error) {
        throw new InvalidVariable('PKI_AUDIT_SINKS', (error as Error).message, read(env, 'PKI_AUDIT_SINKS'));
      }
    });
  return {
    checkpointRows:
      isOptIn && read(env, 'PKI_AUDIT_CHECKPOINT_ROWS') === undefined
        ? undefined
        : integer(env, 'PKI_AUDIT_CHECKPOINT_ROWS', 1, 10_000_000, 1000),
    checkpointIntervalSeconds:
      isOptIn && read(env, 'PKI_AUDIT_CHECKPOINT_INTERVAL') === undefined
        ? undefined
        : duration(env, 'PKI_AUDIT_CHECKPOINT_INTERVAL', '1h', 1, 30 * 86_400),
    sinks,
  };
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
  const namespace = identifier(env, 'PKI_KMS_NAMESPACE', 'pki-manager');
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
        vendorId: identifier(env, 'PKI_COSMIAN_VENDOR_ID', 'cosmian'),
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

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Production-only refusals (issue 11) for settings that work but do lasting harm: checked
 * after the schema, each names the variable to set.
 */
function refuseUnsafeProduction(env: Env, config: Config): void {
  // The public URL is written into every certificate's CRL, OCSP and CA-issuer addresses,
  // forever: guessing it from a wildcard address or a random port bakes in a wrong one.
  if (read(env, 'PKI_PUBLIC_URL') === undefined && (WILDCARD_HOSTS.has(config.host) || config.port === 0)) {
    const listening = config.port === 0 ? 'PKI_PORT is 0' : `PKI_HOST is ${config.host}`;
    throw new InvalidVariable(
      'PKI_PUBLIC_URL',
      `expected the URL clients reach this server at (it is written into every certificate) when ${listening} in production`,
      undefined,
    );
  }
  // http:// sends the KMS bearer token in clear; a loopback hop never leaves the machine.
  if (config.kms.backend === 'cosmian' && config.kms.url.startsWith('http://')) {
    if (!isLoopbackHost(new URL(config.kms.url).hostname) && !flag(env, 'PKI_COSMIAN_ALLOW_HTTP')) {
      throw new InvalidVariable(
        'PKI_COSMIAN_URL',
        'expected an https:// URL in production (http:// sends the token in clear; PKI_COSMIAN_ALLOW_HTTP=true allows it)',
        config.kms.url,
      );
    }
  }
}

const OIDC_VARIABLES = [
  'PKI_OIDC_CLIENT_ID',
  'PKI_OIDC_CLIENT_SECRET',
  'PKI_OIDC_ROLE_CLAIM',
  'PKI_OIDC_ROLES',
  'PKI_OIDC_NAME',
] as const;

/** `admin:pki-admins,operator:pki-operators` → pairs; a value may itself contain ":". */
function oidcRoleMapping(env: Env): OidcConfig['roleMapping'] {
  const name = 'PKI_OIDC_ROLES';
  const expectation = `expected role:claim-value pairs separated by commas, roles among ${USER_ROLES.join(', ')}`;
  const value = required(env, name, expectation);
  return value.split(',').map((pair) => {
    const separator = pair.indexOf(':');
    const role = pair.slice(0, Math.max(separator, 0)).trim();
    const claimValue = pair.slice(separator + 1).trim();
    if (separator < 0 || claimValue === '' || !(USER_ROLES as readonly string[]).includes(role)) {
      throw new InvalidVariable(name, expectation, value);
    }
    return { role: role as UserRole, claimValue };
  });
}

/** All or nothing: once PKI_OIDC_ISSUER is set the client must be complete, and nothing else without it. */
function loadOidcConfig(env: Env, publicUrl: string): OidcConfig | undefined {
  const issuerValue = read(env, 'PKI_OIDC_ISSUER');
  if (issuerValue === undefined) {
    const stray = OIDC_VARIABLES.find((name) => read(env, name) !== undefined);
    if (stray !== undefined) {
      throw new InvalidVariable(
        'PKI_OIDC_ISSUER',
        `expected the OpenID provider's issuer URL (${stray} is set)`,
        undefined,
      );
    }
    return undefined;
  }
  const issuer = url(env, 'PKI_OIDC_ISSUER');
  const issuerUrl = new URL(issuer);
  // Tokens and the client secret cross this connection: plain http only to this machine.
  if (issuerUrl.protocol !== 'https:' && !isLoopbackHost(issuerUrl.hostname)) {
    throw new InvalidVariable('PKI_OIDC_ISSUER', 'expected an https URL (http only for a loopback host)', issuerValue);
  }
  const roleClaim = read(env, 'PKI_OIDC_ROLE_CLAIM') ?? 'groups';
  return {
    issuer,
    clientId: required(env, 'PKI_OIDC_CLIENT_ID', 'expected the client id registered at the OpenID provider'),
    clientSecret: required(
      env,
      'PKI_OIDC_CLIENT_SECRET',
      'expected the client secret registered at the OpenID provider',
    ),
    roleClaim,
    roleMapping: oidcRoleMapping(env),
    name: read(env, 'PKI_OIDC_NAME') ?? issuerUrl.host,
    redirectUri: `${publicUrl}/auth/oidc/callback`,
  };
}

/**
 * Reads nothing but `env` and the files it names: paths are checked to exist and a PIN file
 * is read, so the same environment gives the same Config while those files stay as they are.
 */
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
    const publicUrl = url(env, 'PKI_PUBLIC_URL', `http://${displayHost}:${port}`);
    const config: Config = {
      mode,
      host,
      port,
      publicUrl,
      dataDir,
      databasePath,
      logLevel: oneOf(env, 'PKI_LOG_LEVEL', LOG_LEVELS, mode === 'test' ? 'warn' : 'info'),
      frontendDir: read(env, 'PKI_FRONTEND_DIR') ?? DEFAULT_FRONTEND_DIR,
      crlValiditySeconds: duration(env, 'PKI_CRL_VALIDITY', '7d', 3600, 366 * 86_400),
      shutdownTimeoutSeconds: duration(env, 'PKI_SHUTDOWN_TIMEOUT', '10s', 1, 86_400),
      kms: loadKmsConfig(env, baseDir),
      kmsRequest: {
        attempts: integer(env, 'PKI_KMS_ATTEMPTS', 1, 10, 3),
        timeoutMs: integer(env, 'PKI_KMS_TIMEOUT_MS', 100, 600_000, 30_000),
      },
      kmsProbeIntervalMs: integer(env, 'PKI_KMS_PROBE_INTERVAL_MS', 100, 600_000, 5_000),
      isMetricsPublic: flag(env, 'PKI_METRICS_PUBLIC'),
      auth: loadAuthConfig(env),
      oidc: loadOidcConfig(env, publicUrl),
      audit: loadAuditConfig(env, mode),
    };
    if (mode === 'production') refuseUnsafeProduction(env, config);
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

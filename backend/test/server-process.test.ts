/**
 * The entry point as a user runs it: invalid configuration exits 1 with exactly one line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { describe, expect, it } from 'vitest';

const backendDir = fileURLToPath(new URL('..', import.meta.url));
// Resolved from the backend, since the server runs in an empty temporary working directory.
const tsxLoader = pathToFileURL(join(backendDir, 'node_modules/tsx/dist/loader.mjs')).href;

function startServer(env: Record<string, string>) {
  const cwd = mkdtempSync(join(tmpdir(), 'pki-server-'));
  const { PATH, HOME } = process.env;
  return spawnSync(process.execPath, ['--import', tsxLoader, join(backendDir, 'src/server.ts')], {
    cwd,
    env: { PATH: PATH ?? '', HOME: HOME ?? cwd, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('server entry point', () => {
  it.each([
    [{ PKI_PORT: 'abc' }, 'PKI_PORT: expected an integer 0–65535, got "abc"'],
    [{ PKI_KMS_BACKEND: 'nope' }, 'PKI_KMS_BACKEND: expected one of local, cosmian, kmip, pkcs11, got "nope"'],
    // Issue 11: production-safe defaults (PKI_MODE is production when unset).
    [
      { PKI_HOST: '0.0.0.0' },
      'PKI_PUBLIC_URL: expected the URL clients reach this server at (it is written into every certificate) when PKI_HOST is 0.0.0.0 in production, but it is not set',
    ],
    [
      { PKI_HOST: '::' },
      'PKI_PUBLIC_URL: expected the URL clients reach this server at (it is written into every certificate) when PKI_HOST is :: in production, but it is not set',
    ],
    [
      { PKI_PORT: '0' },
      'PKI_PUBLIC_URL: expected the URL clients reach this server at (it is written into every certificate) when PKI_PORT is 0 in production, but it is not set',
    ],
    [
      { PKI_KMS_BACKEND: 'cosmian', PKI_COSMIAN_URL: 'http://kms.internal:9998', PKI_COSMIAN_TOKEN: 'secret-token-1' },
      'PKI_COSMIAN_URL: expected an https:// URL in production (http:// sends the token in clear; PKI_COSMIAN_ALLOW_HTTP=true allows it), got "http://kms.internal:9998"',
    ],
  ])('exits 1 with one line for %j', (env, line) => {
    const result = startServer(env);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(line);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ConfigError } from './errors.js';
import { loadConfig } from './config.js';

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env, '/srv/pki');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('runs with no configuration at all on the embedded default', () => {
    const config = loadConfig({}, '/srv/pki');
    expect(config).toMatchObject({
      mode: 'production',
      host: '127.0.0.1',
      port: 3000,
      dataDir: '/srv/pki/data',
      databasePath: '/srv/pki/data/pki.sqlite',
      publicUrl: 'http://127.0.0.1:3000',
      kms: { backend: 'local', namespace: 'pki-manager' },
      crlValiditySeconds: 7 * 86_400,
      shutdownTimeoutSeconds: 10,
      kmsRequest: { attempts: 3, timeoutMs: 30_000 },
      isMetricsPublic: false,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ PKI_PORT: 'abc' }, 'PKI_PORT: expected an integer 0–65535, got "abc"'],
    [{ PKI_PORT: '70000' }, 'PKI_PORT: expected an integer 0–65535, got "70000"'],
    [{ PKI_PORT: '-1' }, 'PKI_PORT: expected an integer 0–65535, got "-1"'],
    [{ PKI_KMS_BACKEND: 'nope' }, 'PKI_KMS_BACKEND: expected one of local, cosmian, kmip, pkcs11, got "nope"'],
    [{ PKI_MODE: 'staging' }, 'PKI_MODE: expected one of production, development, test, got "staging"'],
    [{ PKI_PUBLIC_URL: 'ftp://x' }, 'PKI_PUBLIC_URL: expected an http(s) URL, got "ftp://x"'],
    [
      { PKI_CRL_VALIDITY: '7 days' },
      'PKI_CRL_VALIDITY: expected a duration such as 12h or 7d, between 3600s and 366d, got "7 days"',
    ],
    [{ PKI_KMS_BACKEND: 'cosmian' }, 'PKI_COSMIAN_URL: expected an http(s) URL, but it is not set'],
    [{ PKI_KMS_BACKEND: 'kmip' }, 'PKI_KMIP_HOST: expected the KMIP server host name, but it is not set'],
    [
      { PKI_KMS_BACKEND: 'pkcs11' },
      'PKI_PKCS11_PIN: expected the token user PIN (or PKI_PKCS11_PIN_FILE), but it is not set',
    ],
    [{ PKI_KMS_NAMESPACE: 'a b' }, 'PKI_KMS_NAMESPACE: expected 1–64 letters, digits, ".", "_" or "-", got "a b"'],
    [
      { PKI_KMS_BACKEND: 'cosmian', PKI_COSMIAN_URL: 'http://kms:9998', PKI_COSMIAN_VENDOR_ID: 'a b' },
      'PKI_COSMIAN_VENDOR_ID: expected 1–64 letters, digits, ".", "_" or "-", got "a b"',
    ],
    // The password itself is never echoed.
    [{ PKI_ADMIN_PASSWORD: 'short' }, 'PKI_ADMIN_PASSWORD: expected at least 12 characters, got "(hidden)"'],
    [
      { PKI_SESSION_IDLE: '2h', PKI_SESSION_MAX: '1h' },
      'PKI_SESSION_MAX: expected a duration no shorter than PKI_SESSION_IDLE, got "1h"',
    ],
    [
      { PKI_ALLOWED_HOSTS: 'pki.example.com,evil.example/x' },
      'PKI_ALLOWED_HOSTS: expected comma-separated host names without ports, got "evil.example/x"',
    ],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(configError(env)).toBe(message);
  });

  it('reads the access-control settings, with their defaults', () => {
    expect(loadConfig({}, '/srv/pki').auth).toEqual({
      adminPassword: undefined,
      sessionIdleSeconds: 30 * 60,
      sessionMaxSeconds: 12 * 3600,
      approvalTtlSeconds: 24 * 3600,
      allowedHosts: [],
    });
    const config = loadConfig(
      {
        PKI_ADMIN_PASSWORD: 'a long admin phrase',
        PKI_SESSION_IDLE: '15m',
        PKI_SESSION_MAX: '8h',
        PKI_APPROVAL_TTL: '2h',
        PKI_ALLOWED_HOSTS: 'PKI.example.com, pki.internal',
      },
      '/srv/pki',
    );
    expect(config.auth).toEqual({
      adminPassword: 'a long admin phrase',
      sessionIdleSeconds: 15 * 60,
      sessionMaxSeconds: 8 * 3600,
      approvalTtlSeconds: 2 * 3600,
      allowedHosts: ['pki.example.com', 'pki.internal'],
    });
  });

  describe('production refusals (issue 11)', () => {
    const unsetPublicUrl = (listening: string) =>
      `PKI_PUBLIC_URL: expected the URL clients reach this server at (it is written into every certificate) when ${listening} in production, but it is not set`;
    const cosmianHttp = (url: string) =>
      `PKI_COSMIAN_URL: expected an https:// URL in production (http:// sends the token in clear; PKI_COSMIAN_ALLOW_HTTP=true allows it), got "${url}"`;

    it.each([
      [{ PKI_HOST: '0.0.0.0' }, unsetPublicUrl('PKI_HOST is 0.0.0.0')],
      [{ PKI_HOST: '::' }, unsetPublicUrl('PKI_HOST is ::')],
      [{ PKI_PORT: '0' }, unsetPublicUrl('PKI_PORT is 0')],
      [
        { PKI_KMS_BACKEND: 'cosmian', PKI_COSMIAN_URL: 'http://kms.internal:9998' },
        cosmianHttp('http://kms.internal:9998'),
      ],
      [
        { PKI_KMS_BACKEND: 'cosmian', PKI_COSMIAN_URL: 'http://kms:9998', PKI_COSMIAN_ALLOW_HTTP: 'yes' },
        'PKI_COSMIAN_ALLOW_HTTP: expected true or false, got "yes"',
      ],
      [{ PKI_METRICS_PUBLIC: '1' }, 'PKI_METRICS_PUBLIC: expected true or false, got "1"'],
    ])('refuses %j with one line naming the variable', (env, message) => {
      expect(configError(env)).toBe(message);
    });

    it.each([
      { PKI_HOST: '0.0.0.0', PKI_PUBLIC_URL: 'https://pki.example.com' },
      { PKI_HOST: '0.0.0.0', PKI_MODE: 'development' },
      { PKI_PORT: '0', PKI_MODE: 'test' },
      { PKI_KMS_BACKEND: 'cosmian', PKI_COSMIAN_URL: 'http://127.0.0.1:42998' },
      { PKI_KMS_BACKEND: 'cosmian', PKI_COSMIAN_URL: 'http://localhost:9998' },
      { PKI_KMS_BACKEND: 'cosmian', PKI_COSMIAN_URL: 'http://[::1]:9998' },
      { PKI_KMS_BACKEND: 'cosmian', PKI_COSMIAN_URL: 'http://kms:9998', PKI_COSMIAN_ALLOW_HTTP: 'true' },
      { PKI_KMS_BACKEND: 'cosmian', PKI_COSMIAN_URL: 'http://kms:9998', PKI_MODE: 'development' },
      { PKI_KMS_BACKEND: 'cosmian', PKI_COSMIAN_URL: 'https://kms.example.com' },
    ])('accepts %j', (env) => {
      expect(() => loadConfig(env, '/srv/pki')).not.toThrow();
    });
  });

  it('resolves relative paths against the working directory and derives the public URL', () => {
    const config = loadConfig({ PKI_DATA_DIR: 'var/pki', PKI_HOST: '::1', PKI_PORT: '8443' }, '/srv');
    expect(config.dataDir).toBe('/srv/var/pki');
    expect(config.publicUrl).toBe('http://[::1]:8443');
  });

  it('reads the PKCS#11 PIN from a file and checks that referenced files exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pki-config-'));
    writeFileSync(join(dir, 'pin'), '1234\n');
    writeFileSync(join(dir, 'module.so'), '');
    const config = loadConfig(
      {
        PKI_KMS_BACKEND: 'pkcs11',
        PKI_PKCS11_PIN_FILE: 'pin',
        PKI_PKCS11_MODULE: 'module.so',
        PKI_PKCS11_TOKEN_LABEL: 'ca',
      },
      dir,
    );
    expect(config.kms).toMatchObject({
      backend: 'pkcs11',
      pin: '1234',
      tokenLabel: 'ca',
      modulePath: join(dir, 'module.so'),
    });
    expect(
      configError({ PKI_KMS_BACKEND: 'kmip', PKI_KMIP_HOST: 'kmip.example', PKI_KMIP_CA: '/nonexistent/ca.pem' }),
    ).toBe('PKI_KMIP_CA: expected the path of a readable file (not found), got "/nonexistent/ca.pem"');
  });
});

describe('loadConfig: OpenID Connect', () => {
  const OIDC = {
    PKI_PUBLIC_URL: 'https://pki.example.com',
    PKI_OIDC_ISSUER: 'https://id.example.com/realms/corp/',
    PKI_OIDC_CLIENT_ID: 'pki-manager',
    PKI_OIDC_CLIENT_SECRET: 'client-secret',
    PKI_OIDC_ROLES: 'admin:pki-admins, operator:pki-operators,auditor:pki-auditors,auditor:cn=sec:ops',
  };

  it('is off when no PKI_OIDC_ variable is set', () => {
    expect(loadConfig({}, '/srv/pki').oidc).toBeUndefined();
  });

  it('reads the client, the role mapping in order, and defaults the claim, the name and the redirect URI', () => {
    expect(loadConfig(OIDC, '/srv/pki').oidc).toEqual({
      issuer: 'https://id.example.com/realms/corp',
      clientId: 'pki-manager',
      clientSecret: 'client-secret',
      roleClaim: 'groups',
      roleMapping: [
        { role: 'admin', claimValue: 'pki-admins' },
        { role: 'operator', claimValue: 'pki-operators' },
        { role: 'auditor', claimValue: 'pki-auditors' },
        { role: 'auditor', claimValue: 'cn=sec:ops' },
      ],
      name: 'id.example.com',
      redirectUri: 'https://pki.example.com/auth/oidc/callback',
    });
    const named = loadConfig({ ...OIDC, PKI_OIDC_NAME: 'Corporate SSO', PKI_OIDC_ROLE_CLAIM: 'roles' }, '/srv/pki');
    expect(named.oidc).toMatchObject({ name: 'Corporate SSO', roleClaim: 'roles' });
  });

  it('admits plain http only for a loopback issuer', () => {
    expect(loadConfig({ ...OIDC, PKI_OIDC_ISSUER: 'http://127.0.0.1:9000' }, '/srv/pki').oidc?.issuer).toBe(
      'http://127.0.0.1:9000',
    );
    expect(configError({ ...OIDC, PKI_OIDC_ISSUER: 'http://id.example.com' })).toBe(
      'PKI_OIDC_ISSUER: expected an https URL (http only for a loopback host), got "http://id.example.com"',
    );
  });

  it.each([
    [
      { PKI_OIDC_ISSUER: undefined },
      "PKI_OIDC_ISSUER: expected the OpenID provider's issuer URL (PKI_OIDC_CLIENT_ID is set), but it is not set",
    ],
    [
      { PKI_OIDC_CLIENT_ID: undefined },
      'PKI_OIDC_CLIENT_ID: expected the client id registered at the OpenID provider, but it is not set',
    ],
    [
      { PKI_OIDC_CLIENT_SECRET: undefined },
      'PKI_OIDC_CLIENT_SECRET: expected the client secret registered at the OpenID provider, but it is not set',
    ],
    [
      { PKI_OIDC_ROLES: 'root:wheel' },
      'PKI_OIDC_ROLES: expected role:claim-value pairs separated by commas, roles among admin, operator, auditor, got "root:wheel"',
    ],
    [
      { PKI_OIDC_ROLES: 'admin' },
      'PKI_OIDC_ROLES: expected role:claim-value pairs separated by commas, roles among admin, operator, auditor, got "admin"',
    ],
    [
      { PKI_OIDC_ROLES: 'admin:' },
      'PKI_OIDC_ROLES: expected role:claim-value pairs separated by commas, roles among admin, operator, auditor, got "admin:"',
    ],
    [
      { PKI_OIDC_ROLES: undefined },
      'PKI_OIDC_ROLES: expected role:claim-value pairs separated by commas, roles among admin, operator, auditor, but it is not set',
    ],
    [{ PKI_OIDC_ISSUER: 'not a url' }, 'PKI_OIDC_ISSUER: expected an http(s) URL, got "not a url"'],
  ])('refuses an incomplete or invalid client (%j) in one line naming the variable', (change, message) => {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...OIDC, ...change })) if (value !== undefined) env[name] = value;
    expect(configError(env)).toBe(message);
  });

  it('never prints the client secret in an error', () => {
    expect(configError({ ...OIDC, PKI_OIDC_ROLES: 'x' })).not.toContain('client-secret');
  });
});

describe('loadConfig: the audit log (issue 12)', () => {
  it('signs checkpoints every 1000 rows and every hour by default, and only when asked in test mode', () => {
    expect(loadConfig({}, '/srv/pki').audit).toEqual({
      checkpointRows: 1000,
      checkpointIntervalSeconds: 3600,
      sinks: [],
    });
    expect(loadConfig({ PKI_MODE: 'test' }, '/srv/pki').audit).toMatchObject({
      checkpointRows: undefined,
      checkpointIntervalSeconds: undefined,
    });
    expect(
      loadConfig({ PKI_MODE: 'test', PKI_AUDIT_CHECKPOINT_ROWS: '5', PKI_AUDIT_CHECKPOINT_INTERVAL: '2m' }, '/srv/pki')
        .audit,
    ).toMatchObject({ checkpointRows: 5, checkpointIntervalSeconds: 120 });
  });

  it('reads the sinks and names the variable of a bad one', () => {
    expect(
      loadConfig({ PKI_AUDIT_SINKS: 'file:/var/log/pki/audit.ndjson, syslog:udp://10.0.0.5:514' }, '/srv/pki').audit
        .sinks,
    ).toEqual([
      { kind: 'file', path: '/var/log/pki/audit.ndjson' },
      { kind: 'syslog', target: expect.objectContaining({ host: '10.0.0.5', port: 514 }) as unknown },
    ]);
    expect(configError({ PKI_AUDIT_SINKS: 'kafka://broker:9092' })).toMatch(/^PKI_AUDIT_SINKS: .*neither file:/);
    expect(configError({ PKI_AUDIT_CHECKPOINT_ROWS: '0' })).toMatch(/^PKI_AUDIT_CHECKPOINT_ROWS: expected an integer/);
    expect(configError({ PKI_AUDIT_CHECKPOINT_INTERVAL: 'hourly' })).toMatch(/^PKI_AUDIT_CHECKPOINT_INTERVAL: /);
  });
});

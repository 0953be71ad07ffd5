/**
 * Issue 11, the CLI end to end against a running server: `pki login` with a password and
 * with a token, users, tokens (the secret shown once), a token-authenticated issuance from an
 * openssl-made CSR that `openssl verify` accepts, `PKI_TOKEN` winning over the stored
 * credential, refusals exiting 4, logout; and a log capture of the whole run holding none of
 * the passwords, tokens or session ids.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { loggerOptions } from '../logger.js';
import { CREDENTIALS_FILE } from './credentials.js';
import { EXIT_CODES } from './exit-codes.js';
import { rebuildSharedIfStale, runCliProcess } from '../../test/harness/cli-process.js';
import { opensslCsr, scratchDir } from '../../test/harness/openssl.js';
import type { ScratchDir } from '../../test/harness/openssl.js';
import { listenOnLoopback } from '../../test/harness/ports.js';

const ADMIN_PASSWORD = 'cli-admin-password-7f3a91';
const OPERATOR_PASSWORD = 'cli-operator-password-2b8e64';

let testApp: TestApp;
let baseUrl: string;
let work: ScratchDir;
let configDir: string;
const logLines: string[] = [];
/** Every secret the run handles; none may reach the log. */
const secrets: string[] = [ADMIN_PASSWORD, OPERATOR_PASSWORD];

function pki(args: readonly string[], options: { stdin?: string; token?: string } = {}) {
  return runCliProcess(args, {
    cwd: work.path,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: work.path,
      PKI_URL: baseUrl,
      PKI_CONFIG_DIR: configDir,
      ...(options.token === undefined ? {} : { PKI_TOKEN: options.token }),
    },
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
  });
}

function openssl(args: readonly string[]): string {
  return execFileSync('openssl', args, { cwd: work.path, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(async () => {
  rebuildSharedIfStale();
  work = scratchDir('pki-cli-auth-');
  configDir = join(work.path, 'config');
  const logger = pino(loggerOptions({ mode: 'test', logLevel: 'debug' }, false), {
    write: (line: string) => logLines.push(line),
  });
  testApp = await buildTestApp({ PKI_ADMIN_PASSWORD: ADMIN_PASSWORD, PKI_LOG_LEVEL: 'debug' }, { logger });
  baseUrl = await listenOnLoopback(testApp.app);
});

afterAll(async () => {
  await testApp?.close();
  work?.remove();
});

describe('pki login, users, tokens and approvals against a running server', () => {
  it('exits 4 before login, and on a wrong password', async () => {
    const anonymous = await pki(['whoami']);
    expect(anonymous.code, anonymous.stderr).toBe(EXIT_CODES.notAuthorized);
    expect(anonymous.stderr.trim().split('\n')).toHaveLength(1);
    expect(anonymous.stderr).toContain('UNAUTHENTICATED');

    const wrong = await pki(['login', '--username', 'admin', '--password-stdin'], { stdin: 'not-the-password\n' });
    expect(wrong.code, wrong.stderr).toBe(EXIT_CODES.notAuthorized);
    expect(wrong.stderr).toContain('INVALID_CREDENTIALS');
  });

  it('logs in with a password and keeps the session 0600 under PKI_CONFIG_DIR', async () => {
    const login = await pki(['login', '--username', 'admin', '--password-stdin'], { stdin: `${ADMIN_PASSWORD}\n` });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('signed in as user:admin (admin)');
    const path = join(configDir, CREDENTIALS_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(path, 'utf8')) as {
      servers: Record<string, { kind: string; value: string }>;
    };
    const credential = Object.values(stored.servers)[0];
    expect(credential?.kind).toBe('session');
    secrets.push(credential?.value ?? 'missing');
    expect(readFileSync(path, 'utf8')).not.toContain(ADMIN_PASSWORD);

    const whoami = await pki(['whoami', '--json']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ actor: 'user:admin', role: 'admin', kind: 'user' });
  });

  it('manages users', async () => {
    const created = await pki(['users', 'create', 'cli-operator', '--role', 'operator', '--password-stdin'], {
      stdin: `${OPERATOR_PASSWORD}\n`,
    });
    expect(created.code, created.stderr).toBe(0);
    expect((await pki(['users', 'set-role', 'cli-operator', 'auditor'])).code).toBe(0);
    expect((await pki(['users', 'set-role', 'cli-operator', 'operator'])).code).toBe(0);
    expect((await pki(['users', 'disable', 'cli-operator'])).stdout).toContain('cli-operator disabled');
    expect((await pki(['users', 'enable', 'cli-operator'])).stdout).toContain('cli-operator enabled');
    const reset = await pki(['users', 'reset-password', 'cli-operator', '--password-stdin'], {
      stdin: `${OPERATOR_PASSWORD}-new\n`,
    });
    expect(reset.code, reset.stderr).toBe(0);
    const list = JSON.parse((await pki(['users', 'list', '--json'])).stdout) as { username: string; role: string }[];
    expect(list.map((user) => [user.username, user.role]).sort()).toEqual([
      ['admin', 'admin'],
      ['cli-operator', 'operator'],
    ]);
    const badRole = await pki(['users', 'set-role', 'cli-operator', 'root']);
    expect(badRole.code).toBe(EXIT_CODES.usage);
  });

  it('issues with an operator token from an openssl CSR that openssl verifies; refusals exit 4', async () => {
    const root = await pki([
      'ca',
      'create-root',
      '--name',
      'cli-auth-root',
      '--algorithm',
      'ec-p384',
      '--days',
      '3650',
    ]);
    expect(root.code, root.stderr).toBe(0);

    const created = await pki(['tokens', 'create', '--name', 'ci', '--role', 'operator', '--expires', '30d', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const token = JSON.parse(created.stdout) as { id: string; secret: string };
    expect(token.secret).toMatch(/^pki_/);
    secrets.push(token.secret);
    const human = await pki(['tokens', 'create', '--name', 'once', '--role', 'auditor', '--expires', '1d']);
    const humanSecret = human.stdout.split('\n')[0] ?? '';
    expect(humanSecret).toMatch(/^pki_/);
    secrets.push(humanSecret);
    const listed = await pki(['tokens', 'list']);
    expect(listed.stdout).toContain(token.id);
    expect(listed.stdout).not.toContain(token.secret);

    opensslCsr(work, 'leaf', { key: 'ec:P-256', subject: '/CN=cli-auth.example.test' });
    const issued = await pki(
      ['issue', '--ca', 'cli-auth-root', '--profile', 'tls-client', '--csr', 'leaf.csr', '--out', 'leaf.pem'],
      { token: token.secret },
    );
    expect(issued.code, issued.stderr).toBe(0);
    expect((await pki(['ca', 'cert', 'cli-auth-root', '--out', 'root.pem'], { token: token.secret })).code).toBe(0);
    expect(openssl(['verify', '-CAfile', 'root.pem', 'leaf.pem']).trim()).toBe('leaf.pem: OK');

    // PKI_TOKEN wins over the admin session stored by login: the operator may not list users…
    const forbidden = await pki(['users', 'list'], { token: token.secret });
    expect(forbidden.code, forbidden.stderr).toBe(EXIT_CODES.notAuthorized);
    expect(forbidden.stderr).toContain('FORBIDDEN');
    // …nor make a token above its own role.
    const above = await pki(['tokens', 'create', '--name', 'x', '--role', 'admin', '--expires', '1d'], {
      token: token.secret,
    });
    expect(above.code, above.stderr).toBe(EXIT_CODES.notAuthorized);

    expect((await pki(['tokens', 'revoke', token.id])).code).toBe(0);
    const revoked = await pki(['whoami'], { token: token.secret });
    expect(revoked.code, revoked.stderr).toBe(EXIT_CODES.notAuthorized);
  });

  it('logs in with a token, lists approvals, and logs out', async () => {
    const created = await pki([
      'tokens',
      'create',
      '--name',
      'login',
      '--role',
      'auditor',
      '--expires',
      '1d',
      '--json',
    ]);
    const token = JSON.parse(created.stdout) as { secret: string };
    secrets.push(token.secret);
    const badToken = await pki(['login', '--token-stdin'], { stdin: 'pki_nope_not-a-real-token-value\n' });
    expect(badToken.code).toBe(EXIT_CODES.notAuthorized);
    expect((await pki(['approvals', 'list'])).code).toBe(0);

    const login = await pki(['login', '--token-stdin'], { stdin: `${token.secret}\n` });
    expect(login.code, login.stderr).toBe(0);
    expect(JSON.parse((await pki(['whoami', '--json'])).stdout)).toMatchObject({ role: 'auditor', kind: 'token' });
    // An auditor decides nothing.
    expect((await pki(['approvals', 'approve', 'no-such-approval'])).code).toBe(EXIT_CODES.notAuthorized);

    const logout = await pki(['logout']);
    expect(logout.code, logout.stderr).toBe(0);
    expect((await pki(['whoami'])).code).toBe(EXIT_CODES.notAuthorized);
  });

  it('logged none of the passwords, tokens or session ids', () => {
    const log = logLines.join('');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(log).not.toContain(secret);
  });
});

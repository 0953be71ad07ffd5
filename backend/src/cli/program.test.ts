/**
 * The CLI's contract with scripts, run in process with captured streams: every bad usage
 * exits 2 with one helpful line and sends nothing, an unreachable server exits 3, help exits 0.
 * The end-to-end flow against a live server is in cli.integration.test.ts.
 */
import { Readable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { EXIT_CODES } from './exit-codes.js';
import { freePort } from '../../test/harness/ports.js';
import { runCli } from './program.js';

async function run(argv: string[], options: { stdin?: string; env?: string } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    serverUrlFromEnvironment: options.env,
  });
  return { code, stdout, stderr };
}

// Every case fails before any request: the URL points at a closed port, so a case that did
// send something would exit 3 instead of 2.
describe('pki bad usage exits 2 with one helpful line', () => {
  it.each([
    [['nope'], /unknown command 'nope'/],
    [['ca', 'lst'], /unknown command 'lst' \(Did you mean list\?\)/],
    [['ca', 'list', '--bogus'], /unknown option '--bogus'/],
    [['ca', 'create-root', '--algorithm', 'ec-p384', '--days', '10'], /required option '--name <name>' not specified/],
    [
      ['ca', 'create-root', '--name', 'r', '--algorithm', 'rsa-1024', '--days', '10'],
      /Allowed choices are rsa-3072, rsa-4096, ec-p384/,
    ],
    [
      ['ca', 'create-root', '--name', 'r', '--algorithm', 'ec-p384', '--days', 'ten'],
      /'--days <days>' argument 'ten' is invalid. expected a positive whole number/,
    ],
    [
      [
        'ca',
        'create-intermediate',
        '--parent',
        'r',
        '--name',
        'i',
        '--algorithm',
        'ec-p256',
        '--days',
        '5',
        '--path-length',
        '-1',
      ],
      /--path-length/,
    ],
    [['revoke', 'zz:11', '--ca', 'r', '--reason', 'keyCompromise'], /expected a hexadecimal serial/],
    [['revoke', '0a1b', '--ca', 'r', '--reason', 'stolen'], /expected one of unspecified, keyCompromise/],
    [['revoke', '0a1b', '--ca', 'r'], /required option '--reason <reason>' not specified/],
    [['certs', 'list', '--expiring-within', 'soon'], /expected a duration such as 30d/],
    [['certs', 'list', '--status', 'pending'], /Allowed choices are active, revoked, expired/],
    [['certs', 'get', '0a1b'], /required option '--ca <ca>' not specified/],
    [['issue', '--ca', 'i', '--profile', 'tls-server'], /give exactly one of --csr FILE or --server-key/],
    [
      ['issue', '--ca', 'i', '--profile', 'tls-server', '--csr', 'a.csr', '--server-key'],
      /give exactly one of --csr FILE or --server-key/,
    ],
    [['issue', '--ca', 'i', '--profile', 'tls-server', '--server-key'], /--cn is required/],
    [['issue', '--ca', 'i', '--profile', 'web', '--server-key', '--cn', 'x'], /Allowed choices are tls-server/],
    [
      ['issue', '--ca', 'i', '--profile', 'tls-server', '--server-key', '--cn', 'x', '--san', 'www.example.com'],
      /expected dns:…, ip:…, email:…, uri:…/,
    ],
    [
      ['issue', '--ca', 'i', '--profile', 'tls-server', '--server-key', '--cn', 'x', '--p12-out', 'x.p12'],
      /--p12-out needs --p12-password-stdin/,
    ],
    [
      ['issue', '--ca', 'i', '--profile', 'tls-server', '--csr', 'x.csr', '--p12-out', 'x.p12', '--p12-password-stdin'],
      /--p12-out needs --server-key/,
    ],
    [
      ['issue', '--ca', 'i', '--profile', 'tls-server', '--csr', '/nonexistent/x.csr'],
      /--csr: cannot read \/nonexistent\/x.csr: ENOENT/,
    ],
    [['keys', 'destroy', 'k'], /required option '--confirm <label>' not specified/],
    [['--url', 'ftp://example.com', 'status'], /expected http:\/\/ or https:\/\//],
    [['--url', 'not a url', 'status'], /expected an http\(s\) URL/],
  ])('%j', async (argv, line) => {
    const port = await freePort();
    const result = await run(argv, { env: `http://127.0.0.1:${port}` });
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toMatch(line);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^pki: error: /);
    expect(result.stdout).toBe('');
  });

  it('refuses a PKCS#12 password too short, before issuing anything', async () => {
    const port = await freePort();
    const argv = [
      'issue',
      '--ca',
      'i',
      '--profile',
      'tls-server',
      '--server-key',
      '--cn',
      'x',
      '--p12-out',
      'x.p12',
      '--p12-password-stdin',
    ];
    const result = await run(argv, { env: `http://127.0.0.1:${port}`, stdin: 'short\n' });
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toMatch(/the password must be 8–256 characters, got 5/);
  });

  it('shows usage for a command group without its subcommand', async () => {
    const result = await run(['ca']);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toContain('Usage: pki ca');
  });
});

describe('pki reaching the server', () => {
  it('exits 3 with one line naming the URL and the request id when nothing listens', async () => {
    const port = await freePort();
    const result = await run(['--url', `http://127.0.0.1:${port}`, 'ca', 'list']);
    expect(result.code).toBe(EXIT_CODES.unreachable);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      new RegExp(`cannot reach the PKI Manager server at http://127.0.0.1:${port}/: ECONNREFUSED`),
    );
    expect(result.stderr).toMatch(/request id cli-[0-9a-f]{12}-1\)$/m);
  });

  it('prefers --url to PKI_URL', async () => {
    const port = await freePort();
    const result = await run(['status', '--url', `http://127.0.0.1:${port}`], { env: 'http://127.0.0.1:1' });
    expect(result.stderr).toContain(`127.0.0.1:${port}`);
  });

  it('exits 0 on --help and --version', async () => {
    expect((await run(['--help'])).code).toBe(EXIT_CODES.ok);
    const version = await run(['--version']);
    expect(version.code).toBe(EXIT_CODES.ok);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

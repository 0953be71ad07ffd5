/**
 * The system's openssl as the independent judge of what the console produced: a CSR made
 * the way an operator makes one, and verification of downloaded certificates, CRLs, OCSP
 * answers and PKCS#12 files. Never our own parser.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface OpensslResult {
  code: number;
  /** stdout and stderr together: openssl splits its verdicts between the two (ocsp's "Response verify OK"). */
  output: string;
}

export function openssl(args: readonly string[]): OpensslResult {
  const result = spawnSync('openssl', args, { encoding: 'utf8', timeout: 60_000 });
  if (result.error !== undefined) throw new Error(`openssl could not run: ${result.error.message}`);
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

/** Like openssl, but a non-zero exit fails the test with openssl's own words. */
export function opensslMust(args: readonly string[]): string {
  const result = openssl(args);
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} exited ${result.code}:\n${result.output}`);
  return result.output;
}

/** An RSA key and a CSR for `commonName` with these DNS names, as `openssl req` makes them; returns the CSR's PEM path. */
export function makeCsr(directory: string, commonName: string, dnsNames: readonly string[]): string {
  const csrPath = join(directory, `${commonName}.csr`);
  opensslMust([
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    join(directory, `${commonName}.key`),
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    `subjectAltName=${dnsNames.map((name) => `DNS:${name}`).join(',')}`,
    '-out',
    csrPath,
  ]);
  return csrPath;
}

/**
 * Test helpers that run the independent validators (openssl, certtool) on files in a
 * temporary directory. Each returns exit status and combined output so a test can assert
 * on both.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ToolResult {
  status: number;
  output: string;
}

export function run(command: string, args: readonly string[], input?: string | Uint8Array): ToolResult {
  const result = spawnSync(command, args, { input, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

export interface ScratchDir {
  path: string;
  write(name: string, content: string | Uint8Array): string;
  remove(): void;
}

export function scratchDir(prefix = 'pki-test-'): ScratchDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    write(name, content) {
      const file = join(path, name);
      writeFileSync(file, content);
      return file;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

/** Makes a key and CSR with openssl itself, the way a user would. */
export function opensslCsr(
  dir: ScratchDir,
  name: string,
  options: { key: string; subject: string; sans?: string; digest?: string },
): { csrPem: string; keyFile: string; csrFile: string } {
  const keyFile = join(dir.path, `${name}.key`);
  const csrFile = join(dir.path, `${name}.csr`);
  const keyArgs = options.key.startsWith('rsa:')
    ? ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${options.key.slice(4)}`]
    : ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${options.key.slice(3)}`];
  const genpkey = run('openssl', ['genpkey', ...keyArgs, '-out', keyFile]);
  if (genpkey.status !== 0) throw new Error(genpkey.output);
  const args = [
    'req',
    '-new',
    '-utf8',
    '-key',
    keyFile,
    '-subj',
    options.subject,
    '-out',
    csrFile,
    `-${options.digest ?? 'sha256'}`,
  ];
  if (options.sans) args.push('-addext', `subjectAltName=${options.sans}`);
  const req = run('openssl', args);
  if (req.status !== 0) throw new Error(req.output);
  return { csrPem: readFileSync(csrFile, 'utf8'), keyFile, csrFile };
}

/** The files of a chain under test: the trusted root, the intermediates (untrusted), the leaf. */
export interface ChainFiles {
  root: string;
  untrusted: string;
  leaf: string;
}

/** `openssl verify -x509_strict` of the leaf up to the root. */
export function verifyArgs(chain: ChainFiles): string[] {
  return ['verify', '-x509_strict', '-CAfile', chain.root, '-untrusted', chain.untrusted, chain.leaf];
}

/** `openssl verify` with the CRL checked: it fails, saying so, when the leaf is on the CRL. */
export function crlCheckArgs(chain: ChainFiles, crlFile: string): string[] {
  return [
    'verify',
    '-crl_check',
    '-CRLfile',
    crlFile,
    '-CAfile',
    chain.root,
    '-untrusted',
    chain.untrusted,
    chain.leaf,
  ];
}

/**
 * `openssl ocsp` judging a saved response to a saved request, its signature verified up to
 * the root. No -cert here: with it openssl builds a fresh request (and nonce) instead of
 * reading -reqin.
 */
export function ocspResponseArgs(files: { request: string; response: string; root: string; untrusted: string }) {
  return [
    'ocsp',
    '-reqin',
    files.request,
    '-respin',
    files.response,
    '-CAfile',
    files.root,
    '-verify_other',
    files.untrusted,
    '-resp_text',
  ];
}

/** A self-signed EC certificate made by openssl itself: an issuer that is not one of ours. */
export function opensslSelfSigned(
  dir: ScratchDir,
  name: string,
  options: { curve: 'P-256' | 'P-384'; subject: string; days: number; addext?: string },
): { certFile: string; keyFile: string } {
  const keyFile = join(dir.path, `${name}.key`);
  const certFile = join(dir.path, `${name}.pem`);
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${options.curve}`, '-nodes'];
  args.push('-keyout', keyFile, '-out', certFile, '-subj', options.subject, '-days', String(options.days));
  if (options.addext) args.push('-addext', options.addext);
  const made = run('openssl', args);
  if (made.status !== 0) throw new Error(made.output);
  return { certFile, keyFile };
}

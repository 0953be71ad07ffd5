import { readFileSync, writeFileSync } from 'node:fs';

import { Option } from 'commander';
import type { Command } from 'commander';

import { KEY_ALGORITHMS, PROFILE_IDS } from '@pki/shared';
import type { KeyAlgorithm, ProfileId } from '@pki/shared';

import { collectSans, parsePositiveInteger } from '../arguments.js';
import { UsageError } from '../cli-errors.js';
import { commandContext } from '../context.js';
import { readAll } from '../io.js';
import type { CliIo } from '../io.js';
import { printJson } from '../output.js';
import { withProgress } from '../progress.js';
import { resolveCa } from './ca.js';
import { exportCertificate, printCertificate } from './certs.js';

interface IssueOptions {
  ca: string;
  profile: ProfileId;
  csr?: string;
  serverKey?: boolean;
  cn?: string;
  san?: string[];
  algorithm: KeyAlgorithm;
  days?: number;
  out?: string;
  chainOut?: string;
  p12Out?: string;
  p12PasswordStdin?: boolean;
}

/** The PKCS#12 password bounds the server enforces; checked here so nothing is issued in vain. */
const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 256;

/** Cross-option rules commander cannot express; each failure is a usage error (exit 2). */
function checkCombination(options: IssueOptions): void {
  const isCsr = options.csr !== undefined;
  const isServerKey = options.serverKey === true;
  if (isCsr === isServerKey) throw new UsageError('pki issue: give exactly one of --csr FILE or --server-key');
  if (isServerKey && options.cn === undefined)
    throw new UsageError('pki issue --server-key: --cn is required (the subject common name)');
  if (isCsr && options.cn !== undefined)
    throw new UsageError('pki issue --csr: the subject comes from the CSR; --cn is only for --server-key');
  if (options.p12Out !== undefined && !isServerKey)
    throw new UsageError('pki issue: --p12-out needs --server-key (a CSR holder already has its key)');
  if (options.p12Out !== undefined && options.p12PasswordStdin !== true) {
    throw new UsageError('pki issue: --p12-out needs --p12-password-stdin (pipe the PKCS#12 password in)');
  }
  if (options.p12PasswordStdin === true && options.p12Out === undefined)
    throw new UsageError('pki issue: --p12-password-stdin needs --p12-out FILE');
}

async function readPassword(io: CliIo): Promise<string> {
  // Like `docker login --password-stdin`: the trailing newline of `echo` is not part of it.
  const password = (await readAll(io.stdin)).replace(/\r?\n$/, '');
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new UsageError(
      `--p12-password-stdin: the password must be ${MIN_PASSWORD_LENGTH}–${MAX_PASSWORD_LENGTH} characters, got ${password.length}`,
    );
  }
  return password;
}

function readCsr(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new UsageError(
      `--csr: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const text = bytes.toString('latin1');
  // PEM is sent as it is; DER goes as base64 (the input accepts both).
  return text.includes('-----BEGIN') ? text : bytes.toString('base64');
}

export function registerIssueCommand(program: Command, io: CliIo): void {
  program
    .command('issue')
    .description('issue a certificate from a CSR, or with a key pair generated in the key store')
    .requiredOption('--ca <ca>', 'issuing CA, by id or name')
    .addOption(new Option('--profile <profile>', 'certificate profile').choices(PROFILE_IDS).makeOptionMandatory())
    .option('--csr <file>', 'PKCS#10 request, PEM or DER')
    .option('--server-key', 'generate the key pair in the key store instead of taking a CSR')
    .option('--cn <common-name>', 'subject common name (with --server-key)')
    .option(
      '--san <type:value,…>',
      'subject alternative names: dns:…, ip:…, email:…, uri:… (repeatable; overrides the CSR’s)',
      collectSans,
    )
    .addOption(
      new Option('--algorithm <algorithm>', 'key algorithm with --server-key')
        .choices(KEY_ALGORITHMS)
        .default('ec-p256'),
    )
    .option('--days <days>', 'validity in days (default: the profile’s)', parsePositiveInteger)
    .option('--out <file>', 'write the certificate PEM here (default: stdout)')
    .option('--chain-out <file>', 'write the full chain PEM (leaf first) here')
    .option('--p12-out <file>', 'with --server-key: download the key and certificate once as PKCS#12')
    .option('--p12-password-stdin', 'read the PKCS#12 password from stdin')
    .action(async (options: IssueOptions, command: Command) => {
      checkCombination(options);
      const password = options.p12Out === undefined ? undefined : await readPassword(io);
      const csr = options.csr === undefined ? undefined : readCsr(options.csr);
      const { api, isJson } = commandContext(command, io);
      const ca = await resolveCa(api, options.ca);
      const validity = options.days === undefined ? {} : { validityDays: options.days };
      const sans = options.san === undefined ? undefined : options.san;

      const issued =
        csr !== undefined
          ? await api.call(() =>
              api.trpc.certificates.issueFromCsr.mutate({
                caId: ca.id,
                profile: options.profile,
                csr,
                ...(sans === undefined ? {} : { sans }),
                ...validity,
              }),
            )
          : await withProgress(io.stderr, `generating ${options.algorithm} key in the key store and signing…`, () =>
              api.call(() =>
                api.trpc.certificates.issueWithServerKey.mutate({
                  caId: ca.id,
                  profile: options.profile,
                  algorithm: options.algorithm,
                  subject: { commonName: options.cn ?? '' },
                  sans: sans ?? [],
                  isExportable: options.p12Out !== undefined,
                  ...validity,
                }),
              ),
            );

      const { certificate } = issued;
      if (options.out !== undefined) writeFileSync(options.out, issued.certificatePem);
      if (options.chainOut !== undefined) writeFileSync(options.chainOut, issued.certificatePem + issued.chainPem);
      if (options.p12Out !== undefined && password !== undefined) {
        writeFileSync(options.p12Out, await exportCertificate(api, certificate.id, 'pkcs12', password), {
          mode: 0o600,
        });
      }

      if (isJson) return printJson(io.stdout, issued);
      if (options.out === undefined) {
        io.stdout.write(issued.certificatePem);
        return;
      }
      printCertificate(io, certificate, ca.name);
      for (const [label, file] of [
        ['certificate', options.out],
        ['chain', options.chainOut],
        ['PKCS#12', options.p12Out],
      ] as const) {
        if (file !== undefined) io.stdout.write(`wrote ${label} to ${file}\n`);
      }
    });
}

import { writeFileSync } from 'node:fs';

import { Option } from 'commander';
import type { Command } from 'commander';

import { KEY_ALGORITHMS, ROOT_KEY_ALGORITHMS } from '@pki/shared';
import type { CaSummary, Subject } from '@pki/shared';

import type { Api } from '../api.js';
import { parseNonNegativeInteger, parsePositiveInteger } from '../arguments.js';
import { commandContext } from '../context.js';
import type { CliIo } from '../io.js';
import { printFields, printJson, printTable, shortInstant } from '../output.js';
import { withProgress } from '../progress.js';
import { pickByIdOrName } from '../resolve.js';

export async function resolveCa(api: Api, reference: string): Promise<CaSummary> {
  const cas = await api.call(() => api.trpc.cas.list.query());
  return pickByIdOrName('CA', reference, cas, (ca) => ca);
}

interface SubjectOptions {
  cn?: string;
  org?: string;
  ou?: string;
  country?: string;
}

const addSubjectOptions = (command: Command) =>
  command
    .option('--cn <common-name>', 'subject common name (default: the CA name)')
    .option('--org <organization>', 'subject organization (O)')
    .option('--ou <unit>', 'subject organizational unit (OU)')
    .option('--country <CC>', 'subject country, two capital letters (C)');

function subjectFrom(options: SubjectOptions, name: string): Subject {
  return {
    commonName: options.cn ?? name,
    ...(options.org === undefined ? {} : { organization: options.org }),
    ...(options.ou === undefined ? {} : { organizationalUnit: options.ou }),
    ...(options.country === undefined ? {} : { country: options.country }),
  };
}

function printCa(io: CliIo, ca: CaSummary, isJson: boolean): void {
  if (isJson) return printJson(io.stdout, ca);
  printFields(io.stdout, [
    ['id', ca.id],
    ['name', ca.name],
    ['status', ca.status],
    ['subject', ca.subjectDn],
    ['algorithm', ca.keyAlgorithm],
    ['serial', ca.serialHex],
    ['not before', shortInstant(ca.notBefore)],
    ['not after', shortInstant(ca.notAfter)],
    ['path length', ca.pathLength ?? (ca.isRoot ? '-' : 'unlimited')],
    ['parent', ca.parentId ?? '(root)'],
    ['key id', ca.keyId],
  ]);
}

/** Key generation in the key store takes seconds for RSA-4096: say so on a terminal. */
const generationLabel = (algorithm: string) => `generating ${algorithm} key in the key store and signing…`;

export function registerCaCommands(program: Command, io: CliIo): void {
  const ca = program.command('ca').description('certificate authorities');

  ca.command('list')
    .description('list the CAs')
    .action(async (_options: unknown, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const cas = await api.call(() => api.trpc.cas.list.query());
      if (isJson) return printJson(io.stdout, cas);
      const names = new Map(cas.map((item) => [item.id, item.name]));
      printTable(
        io.stdout,
        ['ID', 'NAME', 'STATUS', 'ALGORITHM', 'PARENT', 'NOT AFTER', 'SUBJECT'],
        cas.map((item) => [
          item.id,
          item.name,
          item.status,
          item.keyAlgorithm,
          item.parentId === null ? '(root)' : (names.get(item.parentId) ?? item.parentId),
          shortInstant(item.notAfter),
          item.subjectDn,
        ]),
      );
    });

  ca.command('get')
    .description('show one CA')
    .argument('<ca>', 'CA id or name')
    .action(async (reference: string, _options: unknown, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      printCa(io, await resolveCa(api, reference), isJson);
    });

  addSubjectOptions(
    ca
      .command('create-root')
      .description('create a self-signed root CA; its key is generated in the key store')
      .requiredOption('--name <name>', 'unique CA name')
      .addOption(
        new Option('--algorithm <algorithm>', 'key algorithm').choices(ROOT_KEY_ALGORITHMS).makeOptionMandatory(),
      )
      .requiredOption('--days <days>', 'validity in days (at most 30 years)', parsePositiveInteger),
  ).action(
    async (
      options: SubjectOptions & { name: string; algorithm: (typeof ROOT_KEY_ALGORITHMS)[number]; days: number },
      command: Command,
    ) => {
      const { api, isJson } = commandContext(command, io);
      const created = await withProgress(io.stderr, generationLabel(options.algorithm), () =>
        api.call(() =>
          api.trpc.cas.createRoot.mutate({
            name: options.name,
            subject: subjectFrom(options, options.name),
            algorithm: options.algorithm,
            validityDays: options.days,
          }),
        ),
      );
      printCa(io, created, isJson);
    },
  );

  addSubjectOptions(
    ca
      .command('create-intermediate')
      .description('create an intermediate CA signed by another of our CAs')
      .requiredOption('--parent <ca>', 'issuing CA, by id or name')
      .requiredOption('--name <name>', 'unique CA name')
      .addOption(new Option('--algorithm <algorithm>', 'key algorithm').choices(KEY_ALGORITHMS).makeOptionMandatory())
      .requiredOption('--days <days>', "validity in days (never beyond the parent's)", parsePositiveInteger)
      .option('--path-length <n>', 'how many CA levels may follow below this one', parseNonNegativeInteger),
  ).action(
    async (
      options: SubjectOptions & {
        parent: string;
        name: string;
        algorithm: (typeof KEY_ALGORITHMS)[number];
        days: number;
        pathLength?: number;
      },
      command: Command,
    ) => {
      const { api, isJson } = commandContext(command, io);
      const parent = await resolveCa(api, options.parent);
      const created = await withProgress(io.stderr, generationLabel(options.algorithm), () =>
        api.call(() =>
          api.trpc.cas.createIntermediate.mutate({
            parentId: parent.id,
            name: options.name,
            subject: subjectFrom(options, options.name),
            algorithm: options.algorithm,
            validityDays: options.days,
            ...(options.pathLength === undefined ? {} : { pathLength: options.pathLength }),
          }),
        ),
      );
      printCa(io, created, isJson);
    },
  );

  ca.command('cert')
    .description("download a CA's certificate (PEM; DER with --der)")
    .argument('<ca>', 'CA id or name')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--der', 'DER instead of PEM')
    .action(async (reference: string, options: { out?: string; der?: boolean }, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const target = await resolveCa(api, reference);
      const bytes = await api.getBytes(`ca/${encodeURIComponent(target.id)}.${options.der === true ? 'crt' : 'pem'}`);
      writeArtifact(io, { bytes, out: options.out, isJson, isBinary: options.der === true, caId: target.id });
    });

  ca.command('crl')
    .description("download a CA's current CRL (DER; PEM with --pem or when printed to stdout)")
    .argument('<ca>', 'CA id or name')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--pem', 'PEM instead of DER')
    .action(async (reference: string, options: { out?: string; pem?: boolean }, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const target = await resolveCa(api, reference);
      // Raw DER on a terminal is noise: without --out, print PEM.
      const isPem = options.pem === true || options.out === undefined;
      const bytes = await api.getBytes(`crl/${encodeURIComponent(target.id)}.${isPem ? 'pem' : 'crl'}`);
      writeArtifact(io, { bytes, out: options.out, isJson, isBinary: !isPem, caId: target.id });
    });
}

/** Writes a downloaded artifact to --out (saying where, or as JSON) or prints it. */
export function writeArtifact(
  io: CliIo,
  artifact: { bytes: Buffer; out: string | undefined; isJson: boolean; isBinary: boolean; caId?: string },
): void {
  const { bytes, out, isJson, isBinary } = artifact;
  if (out !== undefined) {
    writeFileSync(out, bytes);
    if (isJson)
      printJson(io.stdout, {
        ...(artifact.caId === undefined ? {} : { caId: artifact.caId }),
        out,
        bytes: bytes.length,
      });
    else io.stdout.write(`wrote ${out} (${bytes.length} bytes)\n`);
    return;
  }
  if (isJson) {
    printJson(io.stdout, isBinary ? { base64: bytes.toString('base64') } : { pem: bytes.toString('utf8') });
    return;
  }
  io.stdout.write(isBinary ? bytes.toString('base64') + '\n' : bytes.toString('utf8'));
}

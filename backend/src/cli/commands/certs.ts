import { writeFileSync } from 'node:fs';

import { Option } from 'commander';
import type { Command } from 'commander';

import { CERTIFICATE_STATUSES, PROFILE_IDS } from '@pki/shared';
import type { CertificateStatus, CertificateSummary, ExportFormat } from '@pki/shared';

import type { Api } from '../api.js';
import { parseDuration, parsePositiveInteger, parseSerial } from '../arguments.js';
import { commandContext } from '../context.js';
import type { CliIo } from '../io.js';
import { printFields, printJson, printTable, shortInstant } from '../output.js';
import { collectPages } from '../pages.js';
import { resolveCa } from './ca.js';

/** One export as bytes, whatever the wire form the server chose for it. */
export async function exportCertificate(
  api: Api,
  id: string,
  format: ExportFormat,
  password?: string,
): Promise<Buffer> {
  const exported = await api.call(() =>
    api.trpc.certificates.export.mutate({ id, format, ...(password === undefined ? {} : { password }) }),
  );
  return Buffer.from(exported.content, exported.encoding);
}

export function printCertificate(io: CliIo, certificate: CertificateSummary, caName?: string): void {
  printFields(io.stdout, [
    ['serial', certificate.serialHex],
    ['id', certificate.id],
    ['CA', caName ?? certificate.caId],
    ['status', certificate.status],
    ['subject', certificate.subjectDn],
    ['SANs', certificate.sans.join(', ') || '-'],
    ['profile', certificate.profile],
    ['not before', shortInstant(certificate.notBefore)],
    ['not after', shortInstant(certificate.notAfter)],
    [
      'revoked',
      certificate.revokedAt === null
        ? '-'
        : `${shortInstant(certificate.revokedAt)} (${certificate.revocationReason ?? 'unspecified'})`,
    ],
  ]);
}

interface ListOptions {
  status?: CertificateStatus;
  ca?: string;
  profile?: string;
  expiringWithin?: number;
  search?: string;
  limit: number;
}

/** The server pages by keyset; the CLI follows the cursor up to --limit rows. */
const PAGE_SIZE = 200;

export function registerCertsCommands(program: Command, io: CliIo): void {
  const certs = program.command('certs').description('issued certificates');

  certs
    .command('list')
    .description('list certificates, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices(CERTIFICATE_STATUSES))
    .option('--ca <ca>', 'only those issued by this CA (id or name)')
    .addOption(new Option('--profile <profile>', 'only this profile').choices(PROFILE_IDS))
    .option('--expiring-within <duration>', 'only those expiring within e.g. 30d, 12h, 2w', parseDuration)
    .option('--search <text>', 'match subject, SANs or serial')
    .option('--limit <n>', 'at most this many rows', parsePositiveInteger, 100)
    .action(async (options: ListOptions, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const cas = await api.call(() => api.trpc.cas.list.query());
      const caId = options.ca === undefined ? undefined : (await resolveCa(api, options.ca)).id;
      const filters = {
        ...(options.status === undefined ? {} : { status: options.status }),
        ...(caId === undefined ? {} : { caId }),
        ...(options.profile === undefined ? {} : { profile: options.profile }),
        ...(options.expiringWithin === undefined
          ? {}
          : { expiringBefore: new Date(Date.now() + options.expiringWithin).toISOString() }),
        ...(options.search === undefined ? {} : { search: options.search }),
      };
      const { items, hasMore } = await collectPages(options.limit, PAGE_SIZE, (page) =>
        api.call(() => api.trpc.certificates.list.query({ ...filters, ...page })),
      );

      if (isJson) return printJson(io.stdout, { items, hasMore });
      const caNames = new Map(cas.map((ca) => [ca.id, ca.name]));
      printTable(
        io.stdout,
        ['SERIAL', 'CA', 'STATUS', 'PROFILE', 'NOT AFTER', 'SUBJECT', 'SANS'],
        items.map((item) => [
          item.serialHex,
          caNames.get(item.caId) ?? item.caId,
          item.status,
          item.profile,
          shortInstant(item.notAfter),
          item.commonName ?? item.subjectDn,
          item.sans.join(','),
        ]),
      );
      if (hasMore)
        io.stderr.write(`more than ${options.limit} certificates match; raise --limit or narrow the filters\n`);
    });

  certs
    .command('get')
    .description('show one certificate')
    .argument('<serial>', 'serial number, hex (colons optional, any case)', parseSerial)
    .requiredOption('--ca <ca>', 'issuing CA, by id or name (serials are unique per CA)')
    .option('--out <file>', 'also write the certificate PEM here')
    .option('--chain-out <file>', 'also write the full chain PEM here')
    .action(async (serialHex: string, options: { ca: string; out?: string; chainOut?: string }, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const ca = await resolveCa(api, options.ca);
      const certificate = await api.call(() => api.trpc.certificates.get.query({ caId: ca.id, serialHex }));
      if (options.out !== undefined) writeFileSync(options.out, await exportCertificate(api, certificate.id, 'pem'));
      if (options.chainOut !== undefined)
        writeFileSync(options.chainOut, await exportCertificate(api, certificate.id, 'chain'));
      if (isJson) return printJson(io.stdout, certificate);
      printCertificate(io, certificate, ca.name);
    });

  certs
    .command('custody')
    .description('key-custody evidence: the CA key as the key store reports it, its kms.sign row and checkpoint')
    .argument('<serial>', 'serial number, hex (colons optional, any case)', parseSerial)
    .requiredOption('--ca <ca>', 'issuing CA, by id or name')
    .action(async (serialHex: string, options: { ca: string }, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const ca = await resolveCa(api, options.ca);
      const custody = await api.call(() => api.trpc.certificates.custody.query({ caId: ca.id, serialHex }));
      if (isJson) return printJson(io.stdout, custody);
      const report = custody.key.keyStore;
      const yesNo = (value: boolean | null | undefined) =>
        value === null || value === undefined ? 'not reported' : value ? 'yes' : 'no';
      const row = (entry: { seq: number; timestamp: string; requestId: string | null } | null) =>
        entry === null ? null : `seq ${entry.seq}, ${shortInstant(entry.timestamp)}, request ${entry.requestId ?? '-'}`;
      printFields(io.stdout, [
        ['certificate', `${custody.certificate.serialHex} (${custody.certificate.subjectDn})`],
        ['CA', ca.name],
        ['CA key', `${custody.key.label} (${custody.key.id})`],
        ['backend', custody.key.backend],
        ['key store id', custody.key.keyStoreId],
        ['algorithm', custody.key.algorithm],
        ['state', report === null ? `${custody.key.state} (not in the key store)` : report.state],
        ['sensitive', yesNo(report?.isSensitive)],
        ['never extractable', yesNo(report?.isNeverExtractable)],
        ['extractable', yesNo(report?.isExtractable)],
        ['issuance row', row(custody.issuance) ?? 'not found'],
        ['signature row', row(custody.signature) ?? 'not found'],
        [
          'checkpoint',
          custody.checkpoint === null
            ? 'not yet covered by a checkpoint'
            : `${row(custody.checkpoint) ?? ''}, covers row ${String(custody.checkpoint.details.seq)}`,
        ],
      ]);
    });
}

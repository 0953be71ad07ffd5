import { Option } from 'commander';
import type { Command } from 'commander';

import { REVOCATION_REASONS } from '@pki/shared';
import type { CrlPublication, RevocationReason } from '@pki/shared';

import { parseReason, parseSerial } from '../arguments.js';
import { commandContext } from '../context.js';
import type { CliIo } from '../io.js';
import { printFields, printJson, shortInstant } from '../output.js';
import { resolveCa } from './ca.js';
import { printCertificate } from './certs.js';

export const reasonOption = () =>
  new Option('--reason <reason>', `RFC 5280 reason: ${REVOCATION_REASONS.join(', ')}`)
    .argParser(parseReason)
    .makeOptionMandatory();

/** The revocation is committed either way; this says whether the CRL lists it yet. */
export function describeCrlPublication(crl: CrlPublication): string {
  return crl.published
    ? `published (CRL number ${crl.crlNumber})`
    : `not re-signed yet (the key store did not answer); retried from ${shortInstant(crl.retryAt)}`;
}

export function registerRevokeCommand(program: Command, io: CliIo): void {
  program
    .command('revoke')
    .description('revoke a certificate; the CA re-publishes its CRL and OCSP answers "revoked"')
    .argument('<serial>', 'serial number, hex (colons optional, any case)', parseSerial)
    .requiredOption('--ca <ca>', 'issuing CA, by id or name')
    .addOption(reasonOption())
    .action(async (serialHex: string, options: { ca: string; reason: RevocationReason }, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const ca = await resolveCa(api, options.ca);
      const revoked = await api.call(() =>
        api.trpc.certificates.revoke.mutate({ caId: ca.id, serialHex, reason: options.reason }),
      );
      if (isJson) return printJson(io.stdout, revoked);
      printCertificate(io, revoked, ca.name);
      printFields(io.stdout, [['CRL', describeCrlPublication(revoked.crl)]]);
    });
}

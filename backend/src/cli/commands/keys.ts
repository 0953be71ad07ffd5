import { Option } from 'commander';
import type { Command } from 'commander';

import { KEY_STATES } from '@pki/shared';
import type { KeyState, RevocationReason } from '@pki/shared';

import type { Api } from '../api.js';
import { commandContext } from '../context.js';
import type { CliIo } from '../io.js';
import { printFields, printJson, printTable, shortInstant } from '../output.js';
import { pickByIdOrName } from '../resolve.js';
import { reasonOption } from './revoke.js';

type KeySummary = Awaited<ReturnType<Api['trpc']['keys']['list']['query']>>[number];

async function resolveKey(api: Api, reference: string): Promise<KeySummary> {
  const keys = await api.call(() => api.trpc.keys.list.query({}));
  return pickByIdOrName('key', reference, keys, (key) => ({ id: key.id, name: key.label }));
}

function printKey(io: CliIo, key: KeySummary, isJson: boolean): void {
  if (isJson) return printJson(io.stdout, key);
  printFields(io.stdout, [
    ['id', key.id],
    ['label', key.label],
    ['state', key.state],
    ['algorithm', key.algorithm],
    ['purpose', key.purpose],
    ['backend', key.backend],
    ['exportable', key.isExportable ? 'yes' : 'no'],
    ['created', shortInstant(key.createdAt)],
    [
      'revoked',
      key.revokedAt === null ? '-' : `${shortInstant(key.revokedAt)} (${key.revocationReason ?? 'unspecified'})`,
    ],
    ['destroyed', shortInstant(key.destroyedAt)],
  ]);
}

const forceOption = () =>
  new Option(
    '--force-reason <text>',
    'override the refusal for a CA key with live certificates; the reason is audited',
  );

export function registerKeysCommands(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('keys held in the key store');

  keys
    .command('list')
    .description('list our keys in the key store')
    .addOption(new Option('--state <state>', 'only keys in this state').choices(KEY_STATES))
    .action(async (options: { state?: KeyState }, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const list = await api.call(() =>
        api.trpc.keys.list.query(options.state === undefined ? {} : { state: options.state }),
      );
      if (isJson) return printJson(io.stdout, list);
      printTable(
        io.stdout,
        ['ID', 'LABEL', 'STATE', 'ALGORITHM', 'PURPOSE', 'CREATED'],
        list.map((key) => [key.id, key.label, key.state, key.algorithm, key.purpose, shortInstant(key.createdAt)]),
      );
    });

  keys
    .command('get')
    .description('show one key')
    .argument('<key>', 'key id or label')
    .action(async (reference: string, _options: unknown, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const key = await resolveKey(api, reference);
      printKey(io, await api.call(() => api.trpc.keys.get.query({ keyId: key.id })), isJson);
    });

  keys
    .command('revoke')
    .description('revoke a key in the key store: it signs nothing more')
    .argument('<key>', 'key id or label')
    .addOption(reasonOption())
    .addOption(forceOption())
    .action(
      async (reference: string, options: { reason: RevocationReason; forceReason?: string }, command: Command) => {
        const { api, isJson } = commandContext(command, io);
        const key = await resolveKey(api, reference);
        const revoked = await api.call(() =>
          api.trpc.keys.revoke.mutate({
            keyId: key.id,
            reason: options.reason,
            ...(options.forceReason === undefined ? {} : { isForced: true, forceReason: options.forceReason }),
          }),
        );
        printKey(io, revoked, isJson);
      },
    );

  keys
    .command('destroy')
    .description('destroy a revoked key for good; type its label back to confirm')
    .argument('<key>', 'key id or label')
    .requiredOption('--confirm <label>', "the key's label, typed back")
    .addOption(forceOption())
    .action(async (reference: string, options: { confirm: string; forceReason?: string }, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const key = await resolveKey(api, reference);
      const destroyed = await api.call(() =>
        api.trpc.keys.destroy.mutate({
          keyId: key.id,
          confirmLabel: options.confirm,
          ...(options.forceReason === undefined ? {} : { isForced: true, forceReason: options.forceReason }),
        }),
      );
      printKey(io, destroyed, isJson);
    });
}

import type { Command } from 'commander';

import { commandContext } from '../context.js';
import type { CliIo } from '../io.js';
import { printJson, printTable } from '../output.js';

export function registerProfilesCommands(program: Command, io: CliIo): void {
  const profiles = program.command('profiles').description('certificate profiles');
  profiles
    .command('list')
    .description('list the certificate profiles and what each allows')
    .action(async (_options: unknown, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const list = await api.call(() => api.trpc.profiles.list.query());
      if (isJson) return printJson(io.stdout, list);
      printTable(
        io.stdout,
        ['PROFILE', 'DAYS (DEFAULT/MAX)', 'EXTENDED KEY USAGE', 'SAN TYPES', 'DESCRIPTION'],
        list.map((profile) => [
          profile.id,
          `${profile.defaultValidityDays}/${profile.maxValidityDays}`,
          profile.extendedKeyUsage.join(',') || (profile.isCa ? '(CA)' : '-'),
          profile.allowedSanTypes.join(',') || '-',
          profile.description,
        ]),
      );
    });
}

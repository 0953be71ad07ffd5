/** `pki users …`: local accounts (admin only on the server). Passwords come only from stdin. */
import type { Command } from 'commander';

import { USER_ROLES } from '@pki/shared';
import type { UserRole } from '@pki/shared';

import { UsageError } from '../cli-errors.js';
import { commandContext } from '../context.js';
import { readSecret } from '../io.js';
import type { CliIo } from '../io.js';
import { printJson, printTable, shortInstant } from '../output.js';

export function parseRole(value: string): UserRole {
  if ((USER_ROLES as readonly string[]).includes(value)) return value as UserRole;
  throw new UsageError(`role: expected one of ${USER_ROLES.join(', ')}, got ${JSON.stringify(value)}`);
}

function requirePasswordStdin(options: { passwordStdin?: boolean }, command: string): void {
  if (options.passwordStdin !== true)
    throw new UsageError(`pki users ${command}: pipe the password in with --password-stdin`);
}

export function registerUsersCommands(program: Command, io: CliIo): void {
  const users = program.command('users').description('local user accounts');

  users
    .command('list')
    .description('list users with their role and state')
    .action(async (_options: unknown, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const list = await api.call(() => api.trpc.users.list.query());
      if (isJson) return printJson(io.stdout, list);
      printTable(
        io.stdout,
        ['USERNAME', 'ROLE', 'STATE', 'SOURCE', 'CREATED'],
        list.map((user) => [
          user.username,
          user.role,
          user.isDisabled ? 'disabled' : user.mustChangePassword ? 'must change password' : 'active',
          user.oidcIssuer === null ? 'local' : `oidc ${user.oidcIssuer}`,
          shortInstant(user.createdAt),
        ]),
      );
    });

  users
    .command('create <name>')
    .description('create a local user')
    .requiredOption('--role <role>', `one of ${USER_ROLES.join(', ')}`)
    .option('--password-stdin', 'read the initial password from stdin')
    .action(async (name: string, options: { role: string; passwordStdin?: boolean }, command: Command) => {
      const role = parseRole(options.role);
      requirePasswordStdin(options, 'create');
      const { api, isJson } = commandContext(command, io);
      const password = await readSecret(io.stdin, '--password-stdin');
      const user = await api.call(() => api.trpc.users.create.mutate({ username: name, role, password }));
      if (isJson) printJson(io.stdout, user);
      else io.stdout.write(`created ${user.username} (${user.role})\n`);
    });

  users
    .command('set-role <name> <role>')
    .description("change a user's role")
    .action(async (name: string, roleText: string, _options: unknown, command: Command) => {
      const role = parseRole(roleText);
      const { api, isJson } = commandContext(command, io);
      const user = await api.call(() => api.trpc.users.setRole.mutate({ username: name, role }));
      if (isJson) printJson(io.stdout, user);
      else io.stdout.write(`${user.username} is now ${user.role}\n`);
    });

  for (const [verb, description] of [
    ['disable', 'disable a user and end their sessions'],
    ['enable', 'enable a disabled user'],
  ] as const) {
    users
      .command(`${verb} <name>`)
      .description(description)
      .action(async (name: string, _options: unknown, command: Command) => {
        const { api, isJson } = commandContext(command, io);
        const user = await api.call(() => api.trpc.users[verb].mutate({ username: name }));
        if (isJson) printJson(io.stdout, user);
        else io.stdout.write(`${user.username} ${user.isDisabled ? 'disabled' : 'enabled'}\n`);
      });
  }

  users
    .command('reset-password <name>')
    .description("set a user's password (they must change it at next sign-in)")
    .option('--password-stdin', 'read the new password from stdin')
    .action(async (name: string, options: { passwordStdin?: boolean }, command: Command) => {
      requirePasswordStdin(options, 'reset-password');
      const { api, isJson } = commandContext(command, io);
      const password = await readSecret(io.stdin, '--password-stdin');
      const user = await api.call(() => api.trpc.users.resetPassword.mutate({ username: name, password }));
      if (isJson) printJson(io.stdout, user);
      else io.stdout.write(`password of ${user.username} reset\n`);
    });
}

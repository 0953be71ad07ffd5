/** `pki tokens …`: API tokens for machines. The secret is printed once, at creation. */
import type { Command } from 'commander';

import { MAX_TOKEN_LIFETIME_DAYS } from '@pki/shared';

import { UsageError } from '../cli-errors.js';
import { commandContext } from '../context.js';
import type { CliIo } from '../io.js';
import { printJson, printTable, shortInstant } from '../output.js';
import { parseRole } from './users.js';

/** "30d", "12w", "1y" or a plain number of days → days, within the server's limit. */
export function parseExpiryDays(text: string): number {
  const match = /^(\d+)([dwy]?)$/.exec(text.trim());
  const days = match === null ? Number.NaN : Number(match[1]) * ({ d: 1, w: 7, y: 365 }[match[2] || 'd'] ?? 1);
  if (!Number.isSafeInteger(days) || days < 1 || days > MAX_TOKEN_LIFETIME_DAYS) {
    throw new UsageError(
      `--expires: expected a lifetime such as 30d, 12w or 1y, at most ${MAX_TOKEN_LIFETIME_DAYS} days, got ${JSON.stringify(text)}`,
    );
  }
  return days;
}

export function registerTokensCommands(program: Command, io: CliIo): void {
  const tokens = program.command('tokens').description('API tokens (Authorization: Bearer pki_…)');

  tokens
    .command('create')
    .description('create a token; its secret is shown once')
    .requiredOption('--name <name>', 'what the token is for')
    .requiredOption('--role <role>', 'admin, operator or auditor (never above your own)')
    .option('--expires <lifetime>', 'lifetime: 30d, 12w, 1y (at most 365 days)', '30d')
    .action(async (options: { name: string; role: string; expires: string }, command: Command) => {
      const role = parseRole(options.role);
      const expiresInDays = parseExpiryDays(options.expires);
      const { api, isJson } = commandContext(command, io);
      const created = await api.call(() =>
        api.trpc.apiTokens.create.mutate({ name: options.name, role, expiresInDays }),
      );
      if (isJson) return printJson(io.stdout, created);
      io.stdout.write(
        `${created.secret}\n` +
          `token ${created.id} (${created.role}) expires ${shortInstant(created.expiresAt)}; ` +
          'the secret above is shown only now\n',
      );
    });

  tokens
    .command('list')
    .description('list tokens (never their secrets)')
    .action(async (_options: unknown, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const list = await api.call(() => api.trpc.apiTokens.list.query());
      if (isJson) return printJson(io.stdout, list);
      printTable(
        io.stdout,
        ['ID', 'NAME', 'ROLE', 'STATE', 'EXPIRES', 'LAST USED', 'CREATED BY'],
        list.map((token) => [
          token.id,
          token.name,
          token.role,
          token.revokedAt !== null ? 'revoked' : Date.parse(token.expiresAt) <= Date.now() ? 'expired' : 'active',
          shortInstant(token.expiresAt),
          shortInstant(token.lastUsedAt),
          token.createdBy,
        ]),
      );
    });

  tokens
    .command('revoke <id>')
    .description('revoke a token at once')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const revoked = await api.call(() => api.trpc.apiTokens.revoke.mutate({ id }));
      if (isJson) printJson(io.stdout, revoked);
      else io.stdout.write(`token ${id} revoked\n`);
    });
}

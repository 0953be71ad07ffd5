/**
 * `pki login`, `pki logout`, `pki whoami`. Login checks the credential against the server
 * before storing it (credentials.ts): a password signs in through `auth.signIn` and the
 * session cookie's value is kept; a token is kept once `auth.me` accepts it.
 */
import type { Command } from 'commander';

import { createApi } from '../api.js';
import { OperationFailedError, UsageError } from '../cli-errors.js';
import { commandContext } from '../context.js';
import type { CommandContext } from '../context.js';
import type { Credential, CredentialStore } from '../credentials.js';
import { readSecret } from '../io.js';
import type { CliIo } from '../io.js';
import { printFields, printJson } from '../output.js';

interface LoginOptions {
  username?: string;
  passwordStdin?: boolean;
  tokenStdin?: boolean;
}

function requireStore(context: CommandContext): CredentialStore {
  if (context.credentials === undefined) throw new UsageError('pki login: no config directory (set PKI_CONFIG_DIR)');
  return context.credentials;
}

async function signIn(context: CommandContext, options: LoginOptions): Promise<Credential> {
  const { api, io } = context;
  if (options.username === undefined) throw new UsageError('pki login: --password-stdin needs --username NAME');
  const password = await readSecret(io.stdin, '--password-stdin');
  await api.call(() => api.trpc.auth.signIn.mutate({ username: options.username ?? '', password }));
  const token = api.sessionTokenFromLastAnswer();
  if (token === undefined) throw new OperationFailedError('the server signed in but set no session cookie');
  return { kind: 'session', value: token };
}

export function registerAuthCommands(program: Command, io: CliIo): void {
  program
    .command('login')
    .description('sign in and store the credential (0600) under $PKI_CONFIG_DIR')
    .option('--username <name>', 'the user to sign in as (with --password-stdin)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--token-stdin', 'read an API token (pki_…) from stdin instead')
    .action(async (options: LoginOptions, command: Command) => {
      const context = commandContext(command, io);
      const store = requireStore(context);
      if ((options.passwordStdin === true) === (options.tokenStdin === true)) {
        throw new UsageError('pki login: give exactly one of --password-stdin (with --username) or --token-stdin');
      }
      if (options.tokenStdin === true && options.username !== undefined) {
        throw new UsageError('pki login: --username goes with --password-stdin, not --token-stdin');
      }
      const credential: Credential =
        options.tokenStdin === true
          ? { kind: 'token', value: await readSecret(io.stdin, '--token-stdin') }
          : await signIn(context, options);
      // Checked before it is stored: a wrong token must not replace a working credential.
      const checking = createApi(context.api.baseUrl, credential);
      const me = await checking.call(() => checking.trpc.auth.me.query());
      store.set(context.api.baseUrl, credential);
      if (context.isJson) printJson(io.stdout, { ...me, credentialsFile: store.path });
      else io.stdout.write(`signed in as ${me.actor} (${me.role}); credential stored in ${store.path}\n`);
    });

  program
    .command('logout')
    .description('end the session on the server and forget the stored credential')
    .action(async (_options: unknown, command: Command) => {
      const context = commandContext(command, io);
      const store = requireStore(context);
      const stored = store.get(context.api.baseUrl);
      // A session ends on the server too; a token stays valid until revoked (pki tokens revoke).
      if (stored?.kind === 'session') {
        const { api } = context;
        await api.call(() => api.trpc.auth.signOut.mutate()).catch(() => undefined);
      }
      const wasStored = store.delete(context.api.baseUrl);
      if (context.isJson) printJson(io.stdout, { isSignedOut: wasStored });
      else io.stdout.write(wasStored ? 'signed out\n' : 'no stored credential for this server\n');
    });

  program
    .command('whoami')
    .description('show who the server takes this CLI for')
    .action(async (_options: unknown, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const me = await api.call(() => api.trpc.auth.me.query());
      if (isJson) return printJson(io.stdout, me);
      printFields(io.stdout, [
        ['actor', me.actor],
        ['username', me.username],
        ['role', me.role],
        ['kind', me.kind],
        ['must change password', me.mustChangePassword ? 'yes' : 'no'],
      ]);
    });
}

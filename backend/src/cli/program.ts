/**
 * The `pki` command tree and the runner that turns its outcome into an exit code.
 * Built per run (no module state), so tests can run it in process with captured streams.
 */
import { Command, CommanderError } from 'commander';

import { APP_VERSION } from '../version.js';
import { CliError } from './cli-errors.js';
import { registerApprovalsCommands } from './commands/approvals.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerAuthCommands } from './commands/auth.js';
import { registerCaCommands } from './commands/ca.js';
import { registerCertsCommands } from './commands/certs.js';
import { registerIssueCommand } from './commands/issue.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerProfilesCommands } from './commands/profiles.js';
import { registerRevokeCommand } from './commands/revoke.js';
import { registerBackupCommands } from './commands/backup.js';
import { registerStatusCommand } from './commands/status.js';
import { registerTokensCommands } from './commands/tokens.js';
import { registerUsersCommands } from './commands/users.js';
import { EXIT_CODES } from './exit-codes.js';
import type { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command('pki')
    .description('Command line for PKI Manager: CAs, certificates, keys — against a running server.')
    .version(APP_VERSION)
    .option('--url <url>', 'server URL (default: $PKI_URL or http://127.0.0.1:3000)')
    .option('--json', 'machine-readable output: one JSON document on stdout')
    // Settings copied to every subcommand created after this point.
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
      // One line, even with commander's "(Did you mean …?)" suggestion.
      outputError: (text, write) => write(`pki: ${text.trim().replace(/\s*\n\s*/g, ' ')}\n`),
    });

  registerStatusCommand(program, io);
  registerCaCommands(program, io);
  registerIssueCommand(program, io);
  registerCertsCommands(program, io);
  registerRevokeCommand(program, io);
  registerKeysCommands(program, io);
  registerProfilesCommands(program, io);
  registerAuthCommands(program, io);
  registerUsersCommands(program, io);
  registerTokensCommands(program, io);
  registerApprovalsCommands(program, io);
  registerAuditCommands(program, io);
  registerBackupCommands(program, io);
  return program;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too; anything else is a usage error commander already printed.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
        ? EXIT_CODES.ok
        : EXIT_CODES.usage;
    }
    if (error instanceof CliError) {
      io.stderr.write(`${formatErrorLine(error)}\n`);
      return error.exitCode;
    }
    io.stderr.write(`pki: error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_CODES.failed;
  }
}

/** One line: the message, then the server's code and the request id to look up in its log. */
export function formatErrorLine(error: CliError): string {
  // The server appends "Request id: …." to internal errors; the suffix below says it once.
  const message = error.message.replace(/\s*\n\s*/g, ' ').replace(/\s*Request id: [^\s]+?\.?$/, '');
  const suffix = [error.appCode, error.requestId === undefined ? undefined : `request id ${error.requestId}`].filter(
    (part) => part !== undefined,
  );
  return `pki: error: ${message}${suffix.length > 0 ? ` (${suffix.join(', ')})` : ''}`;
}

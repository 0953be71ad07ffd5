/** `pki approvals …`: dual control, where a second admin decides on a pending request. */
import type { Command } from 'commander';

import { commandContext } from '../context.js';
import type { CliIo } from '../io.js';
import { printJson, printTable, shortInstant } from '../output.js';

export function registerApprovalsCommands(program: Command, io: CliIo): void {
  const approvals = program.command('approvals').description('dual control: pending requests and decisions');

  approvals
    .command('list')
    .description('list approval requests, newest first')
    .action(async (_options: unknown, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const list = await api.call(() => api.trpc.approvals.list.query({}));
      if (isJson) return printJson(io.stdout, list);
      printTable(
        io.stdout,
        ['ID', 'OPERATION', 'STATUS', 'REQUESTED BY', 'EXPIRES', 'DECIDED BY'],
        list.map((approval) => [
          approval.id,
          approval.operation,
          approval.status,
          approval.requestedBy,
          shortInstant(approval.expiresAt),
          approval.decidedBy ?? '-',
        ]),
      );
    });

  for (const verb of ['approve', 'reject'] as const) {
    approvals
      .command(`${verb} <id>`)
      .description(verb === 'approve' ? 'approve, which runs exactly the stored request' : 'reject the request')
      .option('--comment <text>', 'recorded with the decision')
      .action(async (id: string, options: { comment?: string }, command: Command) => {
        const { api, isJson } = commandContext(command, io);
        const input = options.comment === undefined ? { id } : { id, comment: options.comment };
        const decided = await api.call(() => api.trpc.approvals[verb].mutate(input));
        if (isJson) printJson(io.stdout, decided);
        else io.stdout.write(`approval ${id}: ${decided.approval.status}\n`);
      });
  }
}

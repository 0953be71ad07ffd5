import type { Command } from 'commander';

import { OperationFailedError } from '../cli-errors.js';
import { commandContext } from '../context.js';
import type { CliIo } from '../io.js';
import { printFields, printJson } from '../output.js';

/** `pki status`: exits 1 when the database or the key store is not up, so scripts can gate on it. */
export function registerStatusCommand(program: Command, io: CliIo): void {
  program
    .command('status')
    .description('show the server version and the health of its database and key store')
    .action(async (_options: unknown, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const status = await api.call(() => api.trpc.system.status.query());
      if (isJson) printJson(io.stdout, status);
      else {
        const describe = (health: { state: string; detail?: string | undefined }) =>
          health.detail === undefined ? health.state : `${health.state} (${health.detail})`;
        printFields(io.stdout, [
          ['server', api.baseUrl.toString()],
          ['version', status.version],
          ['mode', status.mode],
          ['uptime', `${status.uptimeSeconds}s`],
          ['database', describe(status.database)],
          ['key store', `${status.kms.label}: ${describe(status.kms.health)}`],
        ]);
      }
      const down = [
        ...(status.database.state === 'up' ? [] : ['database']),
        ...(status.kms.health.state === 'up' ? [] : ['key store']),
      ];
      if (down.length > 0) throw new OperationFailedError(`server is not ready: ${down.join(' and ')} not up`);
    });
}

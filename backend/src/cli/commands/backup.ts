/**
 * `pki backup --out FILE`: the server's data directory as one archive (admins only,
 * audited; GET /api/backup, db/backup.ts describes the container). `pki restore FILE
 * --data-dir DIR`: for a stopped instance, on the machine that will run it; no server is
 * contacted. Restore checks every checksum before it writes, and refuses a directory a
 * server holds, or one with files in it unless `--force`.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import type { Command } from 'commander';

import { BackupInvalidError, RestoreTargetNotEmptyError, restoreBackup } from '../../db/backup.js';
import { DataDirLockedError } from '../../db/data-dir-lock.js';
import { OperationFailedError } from '../cli-errors.js';
import { commandContext } from '../context.js';
import type { CliIo } from '../io.js';
import { printFields, printJson } from '../output.js';

export function registerBackupCommands(program: Command, io: CliIo): void {
  program
    .command('backup')
    .description('download a consistent backup of the server (database, key store identity, checksums); admins only')
    .requiredOption('--out <file>', 'where to write the archive (it holds key material: keep it as safe as the server)')
    .action(async (options: { out: string }, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const archive = await api.getBytes('api/backup');
      writeFileSync(options.out, archive, { mode: 0o600 });
      if (isJson) printJson(io.stdout, { out: options.out, sizeBytes: archive.length });
      else printFields(io.stdout, [['backup', `${options.out} (${archive.length} bytes)`]]);
    });

  program
    .command('restore')
    .description('restore a backup into the data directory of a stopped instance (checksums verified first)')
    .argument('<file>', 'an archive written by pki backup')
    .requiredOption('--data-dir <dir>', 'the PKI_DATA_DIR of the instance to restore')
    .option('--force', 'replace what the directory holds')
    .action((file: string, options: { dataDir: string; force?: boolean }, command: Command) => {
      const isJson = command.optsWithGlobals<{ json?: boolean }>().json === true;
      let manifest;
      try {
        manifest = restoreBackup(resolve(file), resolve(options.dataDir), { isForced: options.force === true });
      } catch (error) {
        if (
          error instanceof BackupInvalidError ||
          error instanceof RestoreTargetNotEmptyError ||
          error instanceof DataDirLockedError
        ) {
          throw new OperationFailedError(error.message, undefined, error.code);
        }
        throw error;
      }
      if (isJson) printJson(io.stdout, { dataDir: resolve(options.dataDir), ...manifest });
      else
        printFields(io.stdout, [
          ['restored', resolve(options.dataDir)],
          ['taken at', manifest.createdAt],
          ['files', manifest.files.map((entry) => entry.path).join(', ')],
        ]);
    });
}

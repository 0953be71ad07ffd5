/**
 * What every command's action receives: the API for the URL chosen on the command line, the
 * global flags and the process edges.
 */
import type { Command } from 'commander';

import { createApi, resolveServerUrl } from './api.js';
import type { Api } from './api.js';
import type { CliIo } from './io.js';

export interface GlobalOptions {
  url?: string;
  json?: boolean;
}

export interface CommandContext {
  api: Api;
  isJson: boolean;
  io: CliIo;
}

/** Reads the global flags wherever they were written (`pki --json ca list` or `pki ca list --json`). */
export function commandContext(command: Command, io: CliIo): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  return {
    api: createApi(resolveServerUrl(options.url, io.serverUrlFromEnvironment), io.tokenFromEnvironment),
    isJson: options.json === true,
    io,
  };
}

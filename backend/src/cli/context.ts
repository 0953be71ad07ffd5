/**
 * What every command's action receives: the API for the URL chosen on the command line, the
 * global flags and the process edges.
 */
import type { Command } from 'commander';

import { createApi, resolveServerUrl } from './api.js';
import type { Api } from './api.js';
import { CredentialStore } from './credentials.js';
import type { Credential } from './credentials.js';
import type { CliIo } from './io.js';

export interface GlobalOptions {
  url?: string;
  json?: boolean;
}

export interface CommandContext {
  api: Api;
  /** Where `pki login` keeps credentials; undefined when no config directory is known. */
  credentials: CredentialStore | undefined;
  isJson: boolean;
  io: CliIo;
}

/** Reads the global flags wherever they were written (`pki --json ca list` or `pki ca list --json`). */
export function commandContext(command: Command, io: CliIo): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const baseUrl = resolveServerUrl(options.url, io.serverUrlFromEnvironment);
  const credentials = io.configDir === undefined ? undefined : new CredentialStore(io.configDir);
  // PKI_TOKEN wins over what `pki login` stored.
  const credential: Credential | undefined =
    io.tokenFromEnvironment === undefined
      ? credentials?.get(baseUrl)
      : { kind: 'token', value: io.tokenFromEnvironment };
  return {
    api: createApi(baseUrl, credential),
    credentials,
    isJson: options.json === true,
    io,
  };
}

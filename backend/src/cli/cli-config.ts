/**
 * The CLI's configuration, read from its environment. The CLI is a program of its own, so
 * it has its own reader; with config.ts (the server's) it is the only file that reads
 * process.env. Checking the values is left to the code that uses them (`resolveServerUrl`
 * turns a bad PKI_URL into a usage error).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface CliConfig {
  /** PKI_URL: the server to talk to when --url is not given. */
  serverUrl: string | undefined;
  /** PKI_TOKEN: an API token that wins over a stored credential. */
  token: string | undefined;
  /** PKI_CONFIG_DIR (default ~/.config/pki-manager): where `pki login` keeps its credential. */
  configDir: string;
}

export function readCliConfig(env: Readonly<Record<string, string | undefined>> = process.env): CliConfig {
  const token = env.PKI_TOKEN?.trim();
  const configDir = env.PKI_CONFIG_DIR?.trim();
  return {
    serverUrl: env.PKI_URL,
    token: token === undefined || token === '' ? undefined : token,
    configDir:
      configDir === undefined || configDir === '' ? join(env.HOME ?? homedir(), '.config', 'pki-manager') : configDir,
  };
}

/**
 * The CLI's configuration, read from its environment. The CLI is a program of its own, so
 * it has its own reader; with config.ts (the server's) it is the only file that reads
 * process.env. Checking the values is left to the code that uses them (`resolveServerUrl`
 * turns a bad PKI_URL into a usage error).
 */
export interface CliConfig {
  /** PKI_URL: the server to talk to when --url is not given. */
  serverUrl: string | undefined;
  /** PKI_TOKEN: an API token; wins over a stored credential. */
  token: string | undefined;
}

export function readCliConfig(env: Readonly<Record<string, string | undefined>> = process.env): CliConfig {
  return { serverUrl: env.PKI_URL, token: env.PKI_TOKEN };
}

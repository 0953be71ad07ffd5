/**
 * Entry of the `pki` CLI (`pnpm pki …` from the repository, `pki` as the package's bin).
 */
import { readCliConfig } from './cli-config.js';
import { runCli } from './program.js';

const cliConfig = readCliConfig();

const exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  serverUrlFromEnvironment: cliConfig.serverUrl,
  tokenFromEnvironment: cliConfig.token,
  configDir: cliConfig.configDir,
});
process.exitCode = exitCode;

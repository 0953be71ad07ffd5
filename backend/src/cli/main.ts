/**
 * Entry of the `pki` CLI (`pnpm pki …` from the repository, `pki` as the package's bin).
 */
import { runCli } from './program.js';

const exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  // The CLI is its own program with one setting; config.ts is the server's configuration.
  // eslint-disable-next-line no-restricted-properties
  serverUrlFromEnvironment: process.env.PKI_URL,
  // eslint-disable-next-line no-restricted-properties
  tokenFromEnvironment: process.env.PKI_TOKEN,
});
process.exitCode = exitCode;

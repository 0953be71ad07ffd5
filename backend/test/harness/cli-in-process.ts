/**
 * Runs the `pki` CLI in this process with captured streams (faster than a child process, the
 * same command tree and exit codes), and a test app listening on a free port for it to reach.
 */
import { Readable } from 'node:stream';

import { buildTestApp } from '../helpers.js';
import type { TestApp } from '../helpers.js';
import { runCli } from '../../src/cli/program.js';
import type { CliResult } from './cli-process.js';
import { listenOnLoopback } from './ports.js';

export async function runCliInProcess(
  argv: readonly string[],
  options: { serverUrl?: string; token?: string } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: Readable.from([]),
    serverUrlFromEnvironment: options.serverUrl,
    tokenFromEnvironment: options.token,
  });
  return { code, stdout, stderr };
}

/** A test app listening on 127.0.0.1 at a free port; close it with `close()`. */
export async function listeningTestApp(): Promise<{ testApp: TestApp; baseUrl: string }> {
  const testApp = await buildTestApp();
  return { testApp, baseUrl: await listenOnLoopback(testApp.app) };
}

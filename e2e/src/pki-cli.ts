/**
 * The built `pki` CLI (backend/bin/pki.js, the package's bin over backend/dist), run as a
 * child process the way an auditor runs it; e2e imports no CLI source.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { cleanEnvironment, REPO_ROOT } from './server.js';

export const PKI_CLI = join(REPO_ROOT, 'backend/bin/pki.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pki …` with no stored credential and no PKI_* from the developer's shell. */
export function runPki(args: readonly string[]): CliResult {
  if (!existsSync(join(REPO_ROOT, 'backend/dist/cli/main.js'))) {
    throw new Error(
      'The built CLI is missing (backend/dist/cli/main.js). Run `pnpm build` at the repository root first.',
    );
  }
  const configDir = mkdtempSync(join(tmpdir(), 'pki-e2e-cli-'));
  try {
    const result = spawnSync(process.execPath, [PKI_CLI, ...args], {
      env: { ...cleanEnvironment(), PKI_CONFIG_DIR: configDir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (result.error !== undefined) throw new Error(`pki could not run: ${result.error.message}`);
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(configDir, { recursive: true, force: true });
  }
}

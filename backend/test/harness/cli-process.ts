/**
 * Runs the `pki` CLI as a user does, for the end-to-end tests: a child process (node + tsx
 * on src/cli/main.ts) with an environment of our choosing. The CLI imports @pki/shared's
 * build, so `rebuildSharedIfStale` rebuilds it first when its sources are newer.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const backendDir = fileURLToPath(new URL('../..', import.meta.url));
const sharedDir = join(backendDir, '..', 'shared');
const tsxLoader = pathToFileURL(join(backendDir, 'node_modules/tsx/dist/loader.mjs')).href;
const cliMain = join(backendDir, 'src/cli/main.ts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Asynchronous: the server answering the CLI may run in this very process. `env` is the
 * child's whole environment (pass PATH, so it finds openssl like a shell would).
 */
export function runCliProcess(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; stdin?: string },
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', tsxLoader, cliMain, ...args],
      { cwd: options.cwd, env: options.env, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: typeof error?.code === 'number' ? error.code : error ? -1 : 0, stdout, stderr }),
    );
    child.stdin?.end(options.stdin ?? '');
  });
}

export function rebuildSharedIfStale(): void {
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir)
        .filter((name) => name.endsWith('.ts'))
        .map((name) => statSync(join(dir, name)).mtimeMs),
    );
  let builtAt = 0;
  try {
    builtAt = statSync(join(sharedDir, 'dist/index.js')).mtimeMs;
  } catch {
    // Not built yet.
  }
  if (newest(join(sharedDir, 'src')) > builtAt) {
    execFileSync(join(backendDir, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
      cwd: sharedDir,
      stdio: 'pipe',
    });
  }
}

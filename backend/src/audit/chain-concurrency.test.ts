import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import { openTempDatabase } from '../../test/harness/temp-local-store.js';
import { verifyAuditChain } from './verify.js';

const WORKER = fileURLToPath(new URL('./__fixtures__/append-worker.ts', import.meta.url));
const WRITERS = 8;
const APPENDS_PER_WRITER = 150;

function waitForLine(child: ChildProcessWithoutNullStreams, expected: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.split('\n').includes(expected)) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => {
      if (!output.split('\n').includes(expected))
        reject(new Error(`writer exited ${code} before "${expected}": ${errors}`));
    });
  });
}

describe('audit chain under concurrent writers', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it(`${WRITERS} processes appending to one file leave one unbroken chain`, async () => {
    const { dataDir, databasePath, database } = openTempDatabase('pki-audit-race-');
    cleanup = () => {
      database.close();
      rmSync(dataDir, { recursive: true, force: true });
    };

    const writers = Array.from({ length: WRITERS }, (_, index) =>
      spawn(
        process.execPath,
        ['--import', 'tsx', WORKER, databasePath, String(APPENDS_PER_WRITER), `writer-${index}`],
        {
          stdio: 'pipe',
        },
      ),
    );
    await Promise.all(writers.map((writer) => waitForLine(writer, 'ready')));
    const finished = writers.map((writer) => waitForLine(writer, 'done'));
    for (const writer of writers) writer.stdin.write('go\n');
    await Promise.all(finished);

    expect(verifyAuditChain(database)).toMatchObject({ isValid: true, rowCount: WRITERS * APPENDS_PER_WRITER });
    const actors = database.sqlite.prepare('SELECT actor FROM audit_log ORDER BY seq').pluck().all() as string[];
    // The writers really raced: their rows interleave instead of arriving in eight blocks.
    const switches = actors.filter((actor, index) => index > 0 && actor !== actors[index - 1]).length;
    expect(switches).toBeGreaterThan(WRITERS - 1);
    const prevHashes = database.sqlite.prepare('SELECT count(DISTINCT prev_hash) FROM audit_log').pluck().get();
    expect(prevHashes).toBe(WRITERS * APPENDS_PER_WRITER);
  }, 60_000);
});

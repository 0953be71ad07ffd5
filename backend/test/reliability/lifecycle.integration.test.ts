/**
 * Issue 15: one server per data directory, and a graceful SIGTERM. The server runs as a
 * child process, as operators run it.
 * - A second server on the same PKI_DATA_DIR refuses to start with one line and exit 1.
 * - The lock dies with its holder: after SIGKILL a new server starts at once.
 * - SIGTERM while issuances are in flight: every issuance acknowledged before the exit is
 *   in the database after a restart, the audit chain verifies, the lock is released.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DataDirLockedError, acquireDataDirLock, isDataDirLocked } from '../../src/db/data-dir-lock.js';
import { backendDir, callTrpc, killServer, prepareDataDir, spawnServer, startServer } from './server-process.js';
import type { ServerFixture } from './server-process.js';

let fixture: ServerFixture;

beforeAll(async () => {
  fixture = await prepareDataDir();
});
afterAll(() => {
  if (fixture) rmSync(fixture.dataDir, { recursive: true, force: true });
});

interface Issued {
  certificate: { id: string; serialHex: string };
}

const issue = (index: number) =>
  callTrpc<Issued>(fixture, 'certificates.issueWithServerKey', {
    caId: fixture.issuingCaId,
    profile: 'tls-client',
    algorithm: 'ec-p256',
    subject: { commonName: `lifecycle-${index}.example` },
    validityDays: 30,
  });

describe('the data-directory lock', () => {
  it('is refused to a second holder in the same process and free again after release', () => {
    const lock = acquireDataDirLock(fixture.dataDir);
    try {
      expect(() => acquireDataDirLock(fixture.dataDir)).toThrow(DataDirLockedError);
      expect(isDataDirLocked(fixture.dataDir)).toBe(true);
    } finally {
      lock.release();
    }
    expect(isDataDirLocked(fixture.dataDir)).toBe(false);
  });

  it('a second server on the same data directory exits 1 with one line; after SIGKILL of the first a new one starts', async () => {
    const first = await startServer(fixture);
    try {
      const second = await spawnServer(fixture);
      const { code } = await second.exited;
      expect(code).toBe(1);
      const lines = second.stderr().trim().split('\n');
      expect(lines).toEqual([
        `PKI_DATA_DIR ${fixture.dataDir} is in use by another PKI Manager server (pid ${first.child.pid}); stop it first (one server per data directory)`,
      ]);
    } finally {
      await killServer(first);
    }
    // The kernel dropped the dead process's lock: no stale lock, no manual cleanup.
    const third = await startServer(fixture);
    await killServer(third);
  });

  it('a lock held by a killed process of another kind is gone with it too', async () => {
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D=require(${JSON.stringify(join(backendDir, 'node_modules/better-sqlite3'))});` +
          `const d=new D(${JSON.stringify(join(fixture.dataDir, 'server.lock'))});d.exec('BEGIN EXCLUSIVE');` +
          `process.stdout.write('held\\n');setInterval(()=>{},1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    expect(isDataDirLocked(fixture.dataDir)).toBe(true);
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    expect(isDataDirLocked(fixture.dataDir)).toBe(false);
  });
});

describe('SIGTERM', () => {
  it('drains in-flight issuances: every acknowledged one is there after a restart, and the lock is released', async () => {
    const server = await startServer(fixture);
    const acknowledged: string[] = [];
    let refused = 0;
    let stopSending = false;
    const client = async (worker: number) => {
      for (let index = 0; !stopSending; index++) {
        try {
          const answer = await issue(worker * 10_000 + index);
          if (answer.data) acknowledged.push(answer.data.certificate.id);
          else refused++;
        } catch {
          // The connection was closed: never acknowledged.
          refused++;
          return;
        }
      }
    };
    const clients = Array.from({ length: 6 }, (_, worker) => client(worker));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const beforeTerm = acknowledged.length;
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    stopSending = true;
    await Promise.all(clients);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(beforeTerm).toBeGreaterThan(0);
    expect(isDataDirLocked(fixture.dataDir)).toBe(false);

    const restarted = await startServer(fixture);
    try {
      let found = 0;
      for (const id of acknowledged) {
        const answer = await callTrpc<{ id: string }>(fixture, 'certificates.get', { id }, 'query');
        if (answer.data?.id === id) found++;
      }
      const chain = await callTrpc<{ isValid: boolean }>(fixture, 'audit.verifyChain', undefined, 'query');
      console.log(
        `SIGTERM drain: ${acknowledged.length} issuances acknowledged (${beforeTerm} before the signal), ${found} found after restart, ${refused} refused or cut`,
      );
      expect(found).toBe(acknowledged.length);
      expect(chain.data).toMatchObject({ isValid: true });
    } finally {
      await killServer(restarted);
    }
  });
});

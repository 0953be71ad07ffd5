/**
 * Issue 15, "durable before acknowledged", proven at the system-call level: the server runs
 * under strace, a client issues and revokes one request at a time, and the trace must show,
 * for every HTTP answer the server writes, that every write to the WAL before it is covered
 * by a completed fsync/fdatasync of the WAL before it. That is what `synchronous=FULL` gives
 * (its fsync sits inside COMMIT); db/wal-durability.ts gives it from the thread pool. A power
 * loss after the answer therefore cannot take back what the answer rests on: SQLite recovers
 * every synced WAL frame up to the last valid commit.
 *
 * One request at a time, so the writes before an answer are that request's own. The rule is
 * checked on the issuances' answers: a revocation starts the CRL publisher, whose background
 * commit may land between a revocation's sync and its answer (the answer does not rest on
 * it), so the revocations run after them and are only required to succeed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { waitForPort } from '../harness/ports.js';
import { backendDir, callTrpc, ensureServerBundle, prepareDataDir } from './server-process.js';
import type { ServerFixture } from './server-process.js';

const ISSUANCES = 30;
const REVOCATIONS = 10;

interface TraceEvent {
  at: number;
  kind: 'wal-write' | 'wal-sync' | 'answer';
}

/**
 * The WAL writes, completed WAL syncs and HTTP answers of an strace log (`-f -ttt -yy`).
 * A blocking call is split into `<unfinished ...>` and `<... resumed>`; a sync counts when it
 * returns, so the resumed line's time is the one that matters.
 */
function parseTrace(text: string, walPath: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  const pendingSyncs = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^(\d+)\s+(\d+\.\d+)\s+(.*)$/.exec(line);
    if (match === null) continue;
    const [, pid = '', time = '0', call = ''] = match;
    const at = Number(time);
    if (/^(fsync|fdatasync)\(\d+<([^>]*)>\) = 0/.test(call) && call.includes(`<${walPath}>`)) {
      events.push({ at, kind: 'wal-sync' });
    } else if (/^(fsync|fdatasync)\(\d+<([^>]*)> <unfinished/.test(call) && call.includes(`<${walPath}>`)) {
      pendingSyncs.add(pid);
    } else if (/^<\.\.\. (fsync|fdatasync) resumed>.*= 0/.test(call) && pendingSyncs.has(pid)) {
      pendingSyncs.delete(pid);
      events.push({ at, kind: 'wal-sync' });
    } else if (/^pwrite64\(\d+</.test(call) && call.includes(`<${walPath}>`)) {
      events.push({ at, kind: 'wal-write' });
    } else if (/^(write|writev)\(\d+<TCP:/.test(call) && call.includes('HTTP/1.1 ')) {
      events.push({ at, kind: 'answer' });
    }
  }
  return events.sort((a, b) => a.at - b.at);
}

describe('durable before acknowledged (strace on the running server)', () => {
  let fixture: ServerFixture;
  let traceDir: string;

  beforeAll(async () => {
    expect(spawnSync('strace', ['-V']).status, 'strace is installed by scripts/install-system-deps.sh').toBe(0);
    fixture = await prepareDataDir();
    traceDir = mkdtempSync(join(tmpdir(), 'pki-strace-'));
  });
  afterAll(() => {
    if (fixture) rmSync(fixture.dataDir, { recursive: true, force: true });
    if (traceDir) rmSync(traceDir, { recursive: true, force: true });
  });

  it('syncs the WAL after every write it acknowledges, before the answer leaves', async () => {
    const tracePath = join(traceDir, 'server.trace');
    let issuancesAnsweredBy = Number.POSITIVE_INFINITY;
    const bundle = await ensureServerBundle();
    const { PATH, HOME } = process.env;
    const child = spawn(
      'strace',
      [
        '-f',
        '-qq',
        '-ttt',
        '-yy',
        '-s',
        '24',
        '-e',
        'trace=pwrite64,fsync,fdatasync,write,writev',
        '-o',
        tracePath,
        process.execPath,
        bundle,
      ],
      { cwd: backendDir, env: { PATH: PATH ?? '', HOME: HOME ?? tmpdir(), ...fixture.env }, stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitForPort(fixture.port, { what: 'the traced PKI server', timeoutMs: 120_000 });
      // Boot's own background writes (the OCSP responders' certificates) settle first.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const issued: string[] = [];
      for (let index = 0; index < ISSUANCES; index++) {
        const answer = await callTrpc<{ certificate: { id: string } }>(fixture, 'certificates.issueWithServerKey', {
          caId: fixture.issuingCaId,
          profile: 'tls-client',
          algorithm: 'ec-p256',
          subject: { commonName: `durable-${index}.example` },
          validityDays: 30,
        });
        expect(answer.error).toBeUndefined();
        if (answer.data) issued.push(answer.data.certificate.id);
      }
      issuancesAnsweredBy = Date.now() / 1000;
      for (const id of issued.slice(0, REVOCATIONS)) {
        const answer = await callTrpc(fixture, 'certificates.revoke', { id, reason: 'keyCompromise' });
        expect(answer.error).toBeUndefined();
      }
    } finally {
      // strace -o blocks fatal signals for itself: stop the server it runs, and strace follows.
      const server = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim();
      if (server === '') child.kill('SIGKILL');
      else process.kill(Number(server), 'SIGTERM');
      await exited;
    }

    const events = parseTrace(readFileSync(tracePath, 'utf8'), join(fixture.dataDir, 'pki.sqlite-wal'));
    const answers = events.filter((event) => event.kind === 'answer');
    expect(answers.length).toBeGreaterThanOrEqual(ISSUANCES + REVOCATIONS);
    const issuanceAnswers = answers.filter((event) => event.at <= issuancesAnsweredBy);
    expect(issuanceAnswers.length).toBeGreaterThanOrEqual(ISSUANCES);
    expect(events.filter((event) => event.kind === 'wal-write').length).toBeGreaterThan(ISSUANCES);

    let lastWrite = -1;
    let lastSync = -1;
    const uncovered: number[] = [];
    for (const event of events) {
      if (event.kind === 'wal-write') lastWrite = event.at;
      else if (event.kind === 'wal-sync') lastSync = event.at;
      else if (lastWrite > lastSync && event.at <= issuancesAnsweredBy) uncovered.push(event.at);
    }
    const syncs = events.filter((event) => event.kind === 'wal-sync').length;
    process.stdout.write(
      `durable before acknowledged: ${issuanceAnswers.length} issuance answers (of ${answers.length}), ${syncs} WAL syncs, ${uncovered.length} answers before their WAL writes were synced\n`,
    );
    expect(uncovered).toEqual([]);
  });
});

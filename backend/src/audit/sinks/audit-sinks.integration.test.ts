/**
 * Audit sinks against a real file and a real rsyslogd: after a run that includes an outage
 * of the receiver and its recovery, each holds exactly the committed rows, in order.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import type { DatabaseHandle } from '../../db/client.js';
import { openTempDatabase, silentLogger } from '../../../test/harness/temp-local-store.js';
import { AuditLog } from '../audit-log.js';
import { AuditSinks, SinkPositionFile, parseAuditSinkSpec } from './audit-sinks.js';
import { userContext } from '../../../test/audit/sample-log.js';
import { startRsyslog } from '../../../test/harness/rsyslog.js';
import type { RsyslogReceiver } from '../../../test/harness/rsyslog.js';

describe('audit sinks', () => {
  let dir: string;
  let dataDir: string;
  let database: DatabaseHandle;
  let audit: AuditLog;
  let rsyslog: RsyslogReceiver;
  let sinks: AuditSinks;
  let filePath: string;

  const write = async (count: number) => {
    for (let index = 0; index < count; index += 1) {
      await audit.record(userContext(`req-${index}`), {
        operation: 'test.write',
        entityType: 'thing',
        status: index % 3 === 0 ? 'failure' : 'success',
        details: { index },
      });
    }
  };
  const committedSeqs = () =>
    database.sqlite.prepare('SELECT seq FROM audit_log ORDER BY seq').pluck().all() as number[];
  const seqsOf = (lines: string[]) =>
    lines
      .map((line) => JSON.parse(line) as { type: string; seq: number })
      .filter((item) => item.type === 'row')
      .map((item) => item.seq);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pki-audit-sinks-'));
    filePath = join(dir, 'evidence', 'audit.ndjson');
    ({ database, dataDir } = openTempDatabase('pki-audit-sinks-db-'));
    audit = new AuditLog(database, silentLogger());
    rsyslog = await startRsyslog();
    sinks = await AuditSinks.start({
      specs: [parseAuditSinkSpec(`file:${filePath}`), parseAuditSinkSpec(`syslog:tcp://127.0.0.1:${rsyslog.port}`)],
      audit,
      database,
      position: new SinkPositionFile(dataDir),
      log: silentLogger(),
    });
  });
  afterAll(async () => {
    await sinks.close();
    await rsyslog.cleanup();
    database.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('hold exactly the committed rows, in order, through a receiver outage and its recovery', async () => {
    await write(10);
    await sinks.whenIdle();

    await rsyslog.stop();
    await write(10);
    await sinks.whenIdle();
    await vi.waitUntil(() => sinks.status().some((status) => !status.isHealthy), { timeout: 10_000 });
    const [fileStatus, syslogStatus] = sinks.status();
    expect(fileStatus).toMatchObject({ isHealthy: true, deliveredThroughSeq: 20 });
    expect(syslogStatus).toMatchObject({ isHealthy: false, lastError: expect.stringMatching(/ECONNREFUSED/) });

    await rsyslog.start();
    await vi.waitUntil(() => sinks.status()[1]?.deliveredThroughSeq === 20, { timeout: 20_000, interval: 100 });
    await write(5);
    await sinks.whenIdle();
    expect(sinks.status().every((status) => status.isHealthy)).toBe(true);
    // rsyslogd writes out what it holds when it stops.
    await rsyslog.stop();

    expect(committedSeqs()).toEqual(Array.from({ length: 25 }, (_, index) => index + 1));
    expect(seqsOf(readFileSync(filePath, 'utf8').trimEnd().split('\n'))).toEqual(committedSeqs());
    expect(seqsOf(rsyslog.received())).toEqual(committedSeqs());
  });

  it('resumes a file sink after the last row the file holds, writing nothing twice', async () => {
    await rsyslog.start();
    await sinks.close();
    await write(3);
    sinks = await AuditSinks.start({
      specs: [parseAuditSinkSpec(`file:${filePath}`)],
      audit,
      database,
      position: new SinkPositionFile(dataDir),
      log: silentLogger(),
    });
    await write(2);
    await sinks.whenIdle();
    expect(seqsOf(readFileSync(filePath, 'utf8').trimEnd().split('\n'))).toEqual(committedSeqs());
  });

  it('refuses a sink that is neither a file nor syslog, in a sentence', () => {
    expect(() => parseAuditSinkSpec('kafka://broker:9092')).toThrow(/neither file:\/path nor syslog/);
    expect(() => parseAuditSinkSpec('file:relative/path')).toThrow(/absolute path/);
    expect(() => parseAuditSinkSpec('syslog:tcp://host')).toThrow(/tcp:\/\/host:port/);
  });
});

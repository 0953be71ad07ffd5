/**
 * PKI_AUDIT_SINKS wired into the app: the sinks start with it, receive the committed rows,
 * and a failing one shows in /readyz (200, with a warning: commits never wait for it) and in
 * system.status; the sinks stop when the app closes.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { freePort } from '../../test/harness/ports.js';
import { actAs } from '../../test/harness/act-as.js';

let testApp: TestApp | undefined;
const sinkPath = join(tmpdir(), `pki-audit-sink-${process.pid}-${Date.now()}.ndjson`);
afterEach(async () => {
  await testApp?.close();
  testApp = undefined;
  rmSync(sinkPath, { force: true });
});

describe('audit sinks in the app', () => {
  it('deliver committed rows and report a failing sink in /readyz and system.status', async () => {
    // A port nothing listens on: the syslog sink fails and keeps retrying.
    const closedPort = await freePort();
    testApp = await buildTestApp({ PKI_AUDIT_SINKS: `file:${sinkPath},syslog:tcp://127.0.0.1:${closedPort}` });
    const { app } = testApp;
    const auditor = await actAs(app.services, 'auditor');

    await vi.waitUntil(() => app.services.system.auditSinks().some((sink) => !sink.isHealthy), { timeout: 10_000 });
    const tip = app.services.database.sqlite.prepare('SELECT max(seq) FROM audit_log').pluck().get() as number;
    await vi.waitUntil(() => app.services.system.auditSinks()[0]?.deliveredThroughSeq === tip, { timeout: 10_000 });
    const fileSeqs = readFileSync(sinkPath, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { seq: number }).seq);
    expect(fileSeqs).toEqual(Array.from({ length: tip }, (_, index) => index + 1));

    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ready',
      auditSinks: [
        { name: `file:${sinkPath}`, isHealthy: true },
        {
          name: `syslog:tcp://127.0.0.1:${closedPort}`,
          isHealthy: false,
          lastError: expect.stringMatching(/ECONNREFUSED/),
        },
      ],
      warnings: [expect.stringMatching(/^audit sink syslog:tcp:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/)],
    });
    const status = await auditor.caller.system.status();
    expect(status.auditSinks).toMatchObject([{ isHealthy: true }, { isHealthy: false }]);
  });

  it('are reported as none when none are configured', async () => {
    testApp = await buildTestApp();
    const ready = await testApp.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json()).toMatchObject({ auditSinks: [], warnings: [] });
  });
});

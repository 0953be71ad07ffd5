import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { buildTestApp } from '../test/helpers.js';
import type { TestApp } from '../test/helpers.js';
import { actAs } from '../test/harness/act-as.js';

let testApp: TestApp | undefined;
afterEach(async () => {
  await testApp?.close();
  testApp = undefined;
});

describe('buildApp', () => {
  it('answers liveness and carries a request id on every response', async () => {
    testApp = await buildTestApp();
    const response = await testApp.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps a well-formed incoming request id and replaces a malformed one', async () => {
    testApp = await buildTestApp();
    const kept = await testApp.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'req-42' } });
    expect(kept.headers['x-request-id']).toBe('req-42');
    const replaced = await testApp.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'bad id\u0007' },
    });
    expect(replaced.headers['x-request-id']).not.toBe('bad id\u0007');
  });

  it('is ready on the embedded default: database and local key store up', async () => {
    testApp = await buildTestApp();
    const response = await testApp.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'ready',
      database: { state: 'up' },
      keyStore: { state: 'up' },
      reasons: [],
    });
  });

  it('logs one `kms backend ready` line with the backend and the key namespace at boot', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    testApp = await buildTestApp({}, { logger });
    const ready = lines.filter((line) => line.msg === 'kms backend ready');
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatchObject({ backend: 'local', namespace: expect.stringMatching(/^pki-manager/) });
  });

  it('answers 503 naming the database when it is gone', async () => {
    testApp = await buildTestApp();
    testApp.app.services.database.sqlite.close();
    const response = await testApp.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json<{ reasons: string[] }>().reasons[0]).toMatch(/^database: /);
  });

  it('sends a strict content security policy and security headers', async () => {
    testApp = await buildTestApp();
    const response = await testApp.app.inject({ method: 'GET', url: '/healthz' });
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBeUndefined();
  });

  it('serves system.status over HTTP and through createCaller alike', async () => {
    testApp = await buildTestApp();
    const { caller, headers } = await actAs(testApp.app.services, 'auditor');
    const response = await testApp.app.inject({ method: 'GET', url: '/trpc/system.status', headers });
    expect(response.statusCode).toBe(200);
    const overHttp = response.json<{
      result: { data: { kms: { backend: string; label: string }; database: { state: string } } };
    }>();
    expect(overHttp.result.data.kms).toMatchObject({ backend: 'local', label: 'local (embedded)' });
    expect(overHttp.result.data.database.state).toBe('up');

    const status = await caller.system.status();
    expect(status.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(status.mode).toBe('test');
    expect(status.kms.health).toEqual({ state: 'up', latencyMs: expect.any(Number) });
  });

  it('answers an unknown procedure with a tRPC error carrying the request id, no stack', async () => {
    testApp = await buildTestApp();
    const response = await testApp.app.inject({
      method: 'GET',
      url: '/trpc/nope.nothing',
      headers: { 'x-request-id': 'req-7' },
    });
    expect(response.statusCode).toBe(404);
    const body = response.json<{ error: { data: { requestId: string; stack?: string } } }>();
    expect(body.error.data.requestId).toBe('req-7');
    expect(body.error.data.stack).toBeUndefined();
  });

  it('answers malformed JSON input with 400 BAD_REQUEST, not an internal error', async () => {
    testApp = await buildTestApp();
    const { headers } = await actAs(testApp.app.services, 'admin');
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/trpc/cas.createRoot',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { data: { code: string } } }>().error.data.code).toBe('BAD_REQUEST');
  });
});

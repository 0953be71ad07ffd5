/**
 * Issue 14, end to end through buildApp: with PKI_KMS_BACKEND=cosmian the app starts while
 * the Cosmian server is down, /readyz answers 503 with the reason and turns 200 by itself once
 * the server answers (no restart), and a revoked API token shows as not ready.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

import { capturingLogger } from './harness/temp-local-store.js';

import { startCosmianStandIn } from './harness/cosmian-standin.js';
import type { CosmianStandIn } from './harness/cosmian-standin.js';
import { STAND_IN_TOKEN, startTokenProtectedStandIn } from './harness/cosmian-standin-driver.js';
import { buildTestApp } from './helpers.js';
import type { TestApp } from './helpers.js';

let testApp: TestApp | undefined;
let standIn: CosmianStandIn | undefined;
afterEach(async () => {
  await testApp?.close();
  await standIn?.stop();
  testApp = undefined;
  standIn = undefined;
});

const cosmianEnv = (url: string) => ({
  PKI_KMS_BACKEND: 'cosmian',
  PKI_COSMIAN_URL: url,
  PKI_COSMIAN_TOKEN: STAND_IN_TOKEN,
  PKI_KMS_ATTEMPTS: '1',
  PKI_KMS_TIMEOUT_MS: '2000',
});

async function readiness(app: TestApp) {
  const response = await app.app.inject({ method: 'GET', url: '/readyz' });
  return { status: response.statusCode, body: response.json<{ reasons: string[] }>() };
}

describe('issue 14: readiness with a Cosmian key store', () => {
  it('starts with the server down, answers 503 with the reason, and turns 200 once it is up', async () => {
    // A port that was free a moment ago, where the "late" server will come up.
    const placeholder = await startCosmianStandIn();
    const url = placeholder.url;
    await placeholder.stop();

    testApp = await buildTestApp(cosmianEnv(url));
    const down = await readiness(testApp);
    expect(down.status).toBe(503);
    expect(down.body.reasons).toEqual([expect.stringMatching(/^key store: cosmian: Cosmian GET \/version failed/)]);

    standIn = await startTokenProtectedStandIn({ port: Number(new URL(url).port) });
    const up = await readiness(testApp);
    expect(up).toMatchObject({ status: 200, body: { reasons: [] } });
  });

  it('announces the late key store and reconciles its keys once it answers, without a restart', async () => {
    const placeholder = await startCosmianStandIn();
    const url = placeholder.url;
    await placeholder.stop();
    const { log, lines } = capturingLogger();
    testApp = await buildTestApp(cosmianEnv(url), { logger: log });
    expect(lines.map((line) => line.msg)).toContain('kms backend not ready');

    standIn = await startTokenProtectedStandIn({ port: Number(new URL(url).port) });
    await vi.waitUntil(() => lines.some((line) => line.msg === 'kms backend ready'), { timeout: 10_000 });
    const server = standIn;
    // The reconciliation lists our keys: a Locate of the namespace tag reaches the server.
    await vi.waitUntil(() => server.receivedOperations().some((entry) => entry.operation === 'Locate'), {
      timeout: 5_000,
    });
  });

  it('shows a revoked token as not ready, naming the refusal', async () => {
    standIn = await startTokenProtectedStandIn();
    testApp = await buildTestApp(cosmianEnv(standIn.url));
    expect((await readiness(testApp)).status).toBe(200);

    standIn.revokeToken();
    const revoked = await readiness(testApp);
    expect(revoked.status).toBe(503);
    expect(revoked.body.reasons).toEqual([expect.stringMatching(/refused the credentials \(HTTP 401\)/)]);
  });
});

import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { InFlightRequests } from './in-flight-requests.js';

const WAIT = { timeout: 5000, interval: 5 };

describe('in-flight request count', () => {
  const app = Fastify();
  const inFlight = new InFlightRequests();
  const seenByHandlers: number[] = [];
  let release: () => void = () => {};
  inFlight.register(app);
  app.get('/now', async () => {
    seenByHandlers.push(inFlight.count);
    return { hasOthers: inFlight.hasOthers() };
  });
  app.get('/held', async () => {
    seenByHandlers.push(inFlight.count);
    await new Promise<void>((resolve) => (release = resolve));
    return { ok: true };
  });

  afterEach(() => {
    release();
    seenByHandlers.length = 0;
  });

  it('counts a request while it is served and forgets it once answered', async () => {
    expect((await app.inject('/now')).json()).toEqual({ hasOthers: false });
    expect(seenByHandlers).toEqual([1]);
    expect(inFlight.count).toBe(0);
  });

  it('sees the other requests in progress', async () => {
    const held = app.inject('/held');
    await vi.waitUntil(() => seenByHandlers.length === 1, WAIT);
    expect((await app.inject('/now')).json()).toEqual({ hasOthers: true });
    expect(seenByHandlers).toEqual([1, 2]);
    release();
    await held;
    expect(inFlight.count).toBe(0);
  });

  it('forgets a request whose client went away before the answer', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as AddressInfo;
      const client = httpRequest({ host: '127.0.0.1', port, path: '/held' });
      client.on('error', () => {});
      client.end();
      await vi.waitUntil(() => seenByHandlers.length === 1, WAIT);
      expect(inFlight.count).toBe(1);
      client.destroy();
      await vi.waitUntil(() => inFlight.count === 0, WAIT);
      expect(inFlight.count).toBe(0);
    } finally {
      release();
      await app.close();
    }
  });
});

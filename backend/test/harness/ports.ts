/**
 * Loopback ports for tests and benchmarks: one that is free now (bound to port 0, then
 * released), and a wait until something listens on one. The free port is a race by nature
 * (another process may take it before our child binds it); the harnesses accept that, as a
 * child that cannot bind fails loudly in its own readiness wait.
 */
import { connect, createServer } from 'node:net';

import type { FastifyInstance } from 'fastify';

/** A TCP port nothing listens on at the moment of return: bound, then released. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Polls every 100 ms until a TCP connection to `host:port` succeeds; throws naming `what` after `timeoutMs`. */
export async function waitForPort(
  port: number,
  { what, host = '127.0.0.1', timeoutMs = 15_000 }: { what: string; host?: string; timeoutMs?: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (isOpen) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not listen on ${host}:${port} within ${timeoutMs} ms`);
}

/** Starts `app` on 127.0.0.1 at a port the system picks and returns its base URL, `http://127.0.0.1:<port>`. */
export async function listenOnLoopback(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

/**
 * The TLS transport's connection pool against a real local TLS server that answers each
 * request after a delay (`testing/slow-kmip-server.ts`). Nothing asserts on elapsed time:
 * the server counts connections and the requests it held at once.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { KmipClient } from '../client.js';
import { KmsTimeout } from '../errors.js';
import { KMIP_1_2 } from '../messages.js';
import { startSlowKmipServer, type SlowKmipServer } from './testing/slow-kmip-server.js';
import { TlsTransport } from './tls.js';

// Long enough that eight handshakes on a busy machine still land inside one answer delay.
const ANSWER_DELAY_MS = 300;

let server: SlowKmipServer | undefined;
let client: KmipClient | undefined;

afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

async function clientWithPool(
  poolSize: number,
): Promise<{ client: KmipClient; transport: TlsTransport; server: SlowKmipServer }> {
  server = await startSlowKmipServer({ delayMs: ANSWER_DELAY_MS });
  const transport = new TlsTransport({ host: server.host, port: server.port, ca: server.caPem, poolSize });
  client = new KmipClient(transport, { protocolVersion: KMIP_1_2 });
  return { client, transport, server };
}

describe('TlsTransport pool', () => {
  it('sends 8 concurrent requests on several connections at once', async () => {
    const { client, transport, server } = await clientWithPool(8);
    const answers = await Promise.all(Array.from({ length: 8 }, () => client.discoverVersions()));
    expect(answers.every((answer) => answer.versions[0]?.minor === 2)).toBe(true);
    expect(server.connectionsAccepted).toBeGreaterThan(1);
    expect(server.maxInFlight).toBeGreaterThan(1);
    expect(transport.size).toBe(server.connectionsAccepted);
  });

  it('reuses idle connections instead of opening new ones', async () => {
    const { client, server } = await clientWithPool(8);
    await Promise.all(Array.from({ length: 4 }, () => client.discoverVersions()));
    const opened = server.connectionsAccepted;
    await Promise.all(Array.from({ length: 4 }, () => client.discoverVersions()));
    expect(server.connectionsAccepted).toBe(opened);
    expect(server.requestsAnswered).toBe(8);
  });

  it('queues requests beyond the pool size instead of opening more connections', async () => {
    const { client, server } = await clientWithPool(2);
    await Promise.all(Array.from({ length: 6 }, () => client.discoverVersions()));
    expect(server.connectionsAccepted).toBe(2);
    expect(server.maxInFlight).toBe(2);
    expect(server.requestsAnswered).toBe(6);
  });

  it('fails a request the server does not answer in time with KmsTimeout and drops its connection', async () => {
    server = await startSlowKmipServer({ delayMs: 2_000 });
    const transport = new TlsTransport({ host: server.host, port: server.port, ca: server.caPem });
    client = new KmipClient(transport, { protocolVersion: KMIP_1_2, retry: { maxAttempts: 1, timeoutMs: 150 } });
    await expect(client.discoverVersions()).rejects.toBeInstanceOf(KmsTimeout);
    expect(transport.size).toBe(0);
  });
});

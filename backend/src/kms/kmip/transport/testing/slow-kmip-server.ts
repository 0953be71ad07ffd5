/**
 * A local TLS server that speaks just enough binary KMIP to test and measure the
 * connection pool: it reads request frames by their TTLV length and answers each with a
 * DiscoverVersions success (KMIP 1.2) after `delayMs`, like a server that does real work
 * per request while overlapping many connections. It counts what a pool test asserts on:
 * connections accepted and the most requests it held at once.
 *
 *   const server = await startSlowKmipServer({ delayMs: 50 });
 *   new TlsTransport({ host: server.host, port: server.port, ca: server.caPem })
 *
 * Its certificate is the self-signed `__fixtures__/localhost.crt` (SAN 127.0.0.1); trust
 * that certificate itself as the CA. Not part of the library build (`testing/`).
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';

import { binaryFrameLength, encodeBinary } from '../../codec/binary.js';
import { KMIP_1_2, protocolVersionNode } from '../../messages.js';
import { dateTime, enumeration, integer, structure } from '../../operations/tree.js';

export const SLOW_SERVER_CERT_PATH = new URL('../__fixtures__/localhost.crt', import.meta.url);
export const SLOW_SERVER_KEY_PATH = new URL('../__fixtures__/localhost.key', import.meta.url);

export interface SlowKmipServer {
  host: string;
  port: number;
  /** The server's self-signed certificate, to pass as `ca`. */
  caPem: string;
  /** TLS connections accepted so far. */
  readonly connectionsAccepted: number;
  /** Requests answered so far. */
  readonly requestsAnswered: number;
  /** The most requests received and not yet answered at any one moment. */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

function discoverVersionsAnswer(): Uint8Array {
  return encodeBinary(
    structure('ResponseMessage', [
      structure('ResponseHeader', [
        protocolVersionNode(KMIP_1_2),
        dateTime('TimeStamp', new Date()),
        integer('BatchCount', 1),
      ]),
      structure('BatchItem', [
        enumeration('Operation', 'DiscoverVersions'),
        enumeration('ResultStatus', 'Success'),
        structure('ResponsePayload', [protocolVersionNode(KMIP_1_2)]),
      ]),
    ]),
  );
}

export async function startSlowKmipServer(options: { delayMs: number }): Promise<SlowKmipServer> {
  const caPem = readFileSync(SLOW_SERVER_CERT_PATH, 'utf8');
  const answer = discoverVersionsAnswer();
  const sockets = new Set<TLSSocket>();
  let connectionsAccepted = 0;
  let requestsAnswered = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const server = createServer({ cert: caPem, key: readFileSync(SLOW_SERVER_KEY_PATH, 'utf8') }, (socket) => {
    connectionsAccepted += 1;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 8) {
        const length = binaryFrameLength(pending.subarray(0, 8));
        if (pending.length < length) return;
        pending = pending.subarray(length);
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        setTimeout(() => {
          inFlight -= 1;
          requestsAnswered += 1;
          if (!socket.destroyed) socket.write(answer);
        }, options.delayMs);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    caPem,
    get connectionsAccepted() {
      return connectionsAccepted;
    },
    get requestsAnswered() {
      return requestsAnswered;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * KMIP binary TTLV over TLS (KMIP 2.1 §15 / profiles: port 5696, mutual TLS).
 *
 *   new TlsTransport({ host: 'kmip.example', ca, cert, key, poolSize: 4 })
 *
 * Each connection carries one request at a time; a response frame is read by the TTLV
 * length in its first 8 bytes (`binaryFrameLength`). Up to `poolSize` connections are
 * opened on demand and reused; a connection that errors, closes, times out or returns a
 * malformed frame is dropped and the next request opens a fresh one. Idle sockets are
 * unref'd, so an idle pool does not keep the process alive.
 */
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

import { binaryFrameLength, DEFAULT_MAX_BYTES } from '../codec/binary.js';
import { KmsProtocolError, KmsUnavailable } from '../errors.js';
import { abortReason, networkError, type KmipTransport } from './transport.js';

export interface TlsTransportOptions {
  host: string;
  /** Default 5696. */
  port?: number;
  /** PEM CA certificate(s) of the server; like Node's `ca`, they replace the system store. */
  ca?: string | Buffer | (string | Buffer)[];
  /** PEM client certificate and key (KMIP servers normally require mutual TLS). */
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  /** Default true. */
  rejectUnauthorized?: boolean;
  servername?: string;
  /** Most connections open at once. Default 4. */
  poolSize?: number;
  /** Close a connection idle this long. Default 60 s. */
  idleTimeoutMs?: number;
  /** Largest response frame accepted. Default 16 MiB. */
  maxResponseBytes?: number;
  /** Extra node:tls options (ciphers, minVersion, ...). */
  tlsOptions?: ConnectionOptions;
}

const DEFAULT_PORT = 5696;

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private expectedLength: number | undefined;
  private pending: { resolve: (frame: Uint8Array) => void; reject: (error: Error) => void } | undefined;
  isBroken = false;

  constructor(
    readonly socket: TLSSocket,
    private readonly endpoint: string,
    private readonly maxResponseBytes: number,
    private readonly idleTimeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(networkError(error, endpoint)));
    socket.on('close', () => this.fail(new KmsUnavailable(`KMIP server at ${endpoint} closed the connection`)));
    socket.on('timeout', () => this.fail(new KmsUnavailable(`idle KMIP connection to ${endpoint} timed out`)));
    this.becomeIdle();
  }

  private becomeIdle(): void {
    this.socket.setTimeout(this.idleTimeoutMs);
    this.socket.unref();
  }

  request(frame: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    if (this.isBroken) return Promise.reject(new KmsUnavailable(`KMIP connection to ${this.endpoint} is closed`));
    this.socket.setTimeout(0);
    this.socket.ref();
    return new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = () => {
        // The answer may still arrive on this socket; it must not be read as the next one's.
        this.fail(abortReason(signal));
      };
      const done = () => signal.removeEventListener('abort', onAbort);
      this.pending = {
        resolve: (response) => {
          done();
          resolve(response);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.socket.write(frame);
    });
  }

  private onData(chunk: Buffer): void {
    if (!this.pending) {
      this.fail(new KmsProtocolError(`KMIP server at ${this.endpoint} sent data without a request`));
      return;
    }
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    try {
      if (this.expectedLength === undefined && this.buffer.length >= 8) {
        this.expectedLength = binaryFrameLength(this.buffer.subarray(0, 8), { maxBytes: this.maxResponseBytes });
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new KmsProtocolError(String(error)));
      return;
    }
    if (this.expectedLength === undefined || this.buffer.length < this.expectedLength) return;
    if (this.buffer.length > this.expectedLength) {
      this.fail(new KmsProtocolError(`KMIP server at ${this.endpoint} sent bytes after the response`));
      return;
    }
    const frame = this.buffer;
    this.buffer = Buffer.alloc(0);
    this.expectedLength = undefined;
    const pending = this.pending;
    this.pending = undefined;
    this.becomeIdle();
    pending.resolve(frame);
  }

  /** Marks the connection unusable, rejects the request in flight and closes the socket. */
  fail(error: Error): void {
    this.isBroken = true;
    const pending = this.pending;
    this.pending = undefined;
    this.socket.destroy();
    pending?.reject(error);
  }
}

export class TlsTransport implements KmipTransport {
  readonly encoding = 'binary';
  readonly endpoint: string;
  private readonly options: TlsTransportOptions;
  private readonly poolSize: number;
  private readonly idle: Connection[] = [];
  private readonly waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private openCount = 0;
  private isClosed = false;

  constructor(options: TlsTransportOptions) {
    this.options = options;
    this.poolSize = Math.max(1, options.poolSize ?? 4);
    this.endpoint = `${options.host}:${options.port ?? DEFAULT_PORT}`;
  }

  async roundTrip(frame: Uint8Array, options: { signal: AbortSignal }): Promise<Uint8Array> {
    const connection = await this.acquire(options.signal);
    try {
      return await connection.request(frame, options.signal);
    } finally {
      this.release(connection);
    }
  }

  /** Open connections, idle or busy (for tests and metrics). */
  get size(): number {
    return this.openCount;
  }

  private async acquire(signal: AbortSignal): Promise<Connection> {
    for (;;) {
      if (this.isClosed) throw new KmsUnavailable('KMIP transport is closed');
      if (signal.aborted) throw abortReason(signal);
      const reusable = this.takeIdle();
      if (reusable) return reusable;
      if (this.openCount < this.poolSize) {
        this.openCount += 1;
        try {
          return await this.open(signal);
        } catch (error) {
          this.openCount -= 1;
          this.wakeOne();
          throw error;
        }
      }
      await this.waitForSlot(signal);
    }
  }

  private takeIdle(): Connection | undefined {
    for (let connection = this.idle.pop(); connection; connection = this.idle.pop()) {
      if (!connection.isBroken) return connection;
      this.openCount -= 1;
    }
    return undefined;
  }

  private release(connection: Connection): void {
    if (connection.isBroken || this.isClosed) {
      if (!connection.isBroken) connection.fail(new KmsUnavailable('KMIP transport is closed'));
      this.openCount -= 1;
    } else {
      this.idle.push(connection);
    }
    this.wakeOne();
  }

  private wakeOne(): void {
    this.waiters.shift()?.resolve();
  }

  private waitForSlot(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private open(signal: AbortSignal): Promise<Connection> {
    const { options } = this;
    return new Promise<Connection>((resolve, reject) => {
      const socket = connect({
        ...options.tlsOptions,
        host: options.host,
        port: options.port ?? DEFAULT_PORT,
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        passphrase: options.passphrase,
        rejectUnauthorized: options.rejectUnauthorized ?? true,
        servername: options.servername,
      });
      socket.setNoDelay(true);
      const cleanup = () => {
        signal.removeEventListener('abort', onAbort);
        socket.removeListener('error', onError);
        socket.removeListener('close', onClose);
      };
      const onAbort = () => {
        cleanup();
        socket.destroy();
        reject(abortReason(signal));
      };
      const onError = (error: Error) => {
        cleanup();
        socket.destroy();
        reject(networkError(error, this.endpoint));
      };
      const onClose = () => onError(new Error('connection closed during the TLS handshake'));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', onError);
      socket.once('close', onClose);
      socket.once('secureConnect', () => {
        cleanup();
        resolve(
          new Connection(socket, this.endpoint, options.maxResponseBytes ?? DEFAULT_MAX_BYTES, options.idleTimeoutMs ?? 60_000),
        );
      });
    });
  }

  close(): Promise<void> {
    this.isClosed = true;
    for (const connection of this.idle.splice(0)) {
      connection.fail(new KmsUnavailable('KMIP transport is closed'));
      this.openCount -= 1;
    }
    for (const waiter of this.waiters.splice(0)) waiter.reject(new KmsUnavailable('KMIP transport is closed'));
    return Promise.resolve();
  }
}

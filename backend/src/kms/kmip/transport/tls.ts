/**
 * KMIP binary TTLV over TLS (KMIP 2.1 §15 / profiles: port 5696, mutual TLS).
 *
 *   new TlsTransport({ host: 'kmip.example', ca, cert, key, poolSize: 4 })
 *
 * Each connection carries one request at a time; a response frame is read by the TTLV
 * length in its first 8 bytes (`binaryFrameLength`). Up to `poolSize` connections are
 * opened on demand and reused, so up to `poolSize` requests are in flight at once; more
 * wait for a free connection. A connection that errors, closes, times out or returns a
 * malformed frame is dropped and the next request opens a fresh one. Idle sockets are
 * unref'd, so an idle pool does not keep the process alive.
 *
 * The per-request timeout is the socket's inactivity timeout: no byte within
 * `timeoutMs` of sending (or of the previous byte) fails the request with KmsTimeout and
 * closes the connection. The TLS handshake is bounded by the shared `startDeadline`, as the
 * HTTPS transport's requests are.
 */
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

import { binaryFrameLength, DEFAULT_MAX_BYTES } from '../codec/binary.js';
import { KmsProtocolError, KmsUnavailable } from '../errors.js';
import {
  abortReason,
  admitRoundTrip,
  networkError,
  startDeadline,
  timeoutError,
  tlsSettings,
  type KmipTransport,
  type RoundTripOptions,
  type TlsClientOptions,
} from './transport.js';

export interface TlsTransportOptions extends TlsClientOptions {
  host: string;
  /** Default 5696. */
  port?: number;
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

interface ConnectionOwner {
  /** Called once a request has settled, before its caller sees the answer. */
  release(connection: Connection): void;
}

/**
 * One TLS connection carrying one request at a time. The hot path allocates only the
 * answer's promise: no wrapper closures, no timer (the socket's own inactivity timeout
 * bounds both the wait for an answer and the idle time), and a caller's AbortSignal is
 * listened to only when there is one.
 */
class Connection {
  private chunks: Buffer[] = [];
  private received = 0;
  private expectedLength: number | undefined;
  private resolvePending: ((frame: Uint8Array) => void) | undefined;
  private rejectPending: ((error: Error) => void) | undefined;
  private signal: AbortSignal | undefined;
  private timeoutMs = 0;
  isBroken = false;

  constructor(
    readonly socket: TLSSocket,
    private readonly owner: ConnectionOwner,
    private readonly endpoint: string,
    private readonly maxResponseBytes: number,
    private readonly idleTimeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(networkError(error, endpoint)));
    socket.on('close', () => this.fail(new KmsUnavailable(`KMIP server at ${endpoint} closed the connection`)));
    socket.on('timeout', () => this.onTimeout());
    this.becomeIdle();
  }

  private becomeIdle(): void {
    this.socket.setTimeout(this.idleTimeoutMs);
    this.socket.unref();
  }

  /** Abandons the request: its answer may still arrive and must not be read as the next one's. */
  private readonly onAbort = (): void => {
    if (this.signal) this.fail(abortReason(this.signal));
  };

  private onTimeout(): void {
    this.fail(
      this.rejectPending
        ? timeoutError(this.timeoutMs)
        : new KmsUnavailable(`idle KMIP connection to ${this.endpoint} timed out`),
    );
  }

  request(frame: Uint8Array, signal: AbortSignal | undefined, timeoutMs: number): Promise<Uint8Array> {
    if (this.isBroken) {
      this.owner.release(this);
      return Promise.reject(new KmsUnavailable(`KMIP connection to ${this.endpoint} is closed`));
    }
    // An answer is one frame of a few KB at most, so "no byte for timeoutMs after the
    // request was written" is "no answer within timeoutMs".
    this.timeoutMs = timeoutMs;
    this.socket.setTimeout(timeoutMs);
    this.socket.ref();
    const answer = new Promise<Uint8Array>((resolve, reject) => {
      this.resolvePending = resolve;
      this.rejectPending = reject;
    });
    if (signal) {
      this.signal = signal;
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
    this.socket.write(frame);
    return answer;
  }

  private onData(chunk: Buffer): void {
    const resolve = this.resolvePending;
    if (!resolve) {
      this.fail(new KmsProtocolError(`KMIP server at ${this.endpoint} sent data without a request`));
      return;
    }
    this.chunks.push(chunk);
    this.received += chunk.length;
    if (this.expectedLength === undefined) {
      if (this.received < 8) return;
      const header = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks);
      try {
        this.expectedLength = binaryFrameLength(header.subarray(0, 8), { maxBytes: this.maxResponseBytes });
      } catch (error) {
        this.fail(error instanceof Error ? error : new KmsProtocolError(String(error)));
        return;
      }
    }
    if (this.received < this.expectedLength) return;
    if (this.received > this.expectedLength) {
      this.fail(new KmsProtocolError(`KMIP server at ${this.endpoint} sent bytes after the response`));
      return;
    }
    const frame = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.received);
    this.chunks = [];
    this.received = 0;
    this.expectedLength = undefined;
    this.clearPending();
    this.becomeIdle();
    this.owner.release(this);
    resolve(frame);
  }

  private clearPending(): void {
    this.resolvePending = undefined;
    this.rejectPending = undefined;
    if (this.signal) {
      this.signal.removeEventListener('abort', this.onAbort);
      this.signal = undefined;
    }
  }

  /** Marks the connection unusable, rejects the request in flight and closes the socket. */
  fail(error: Error): void {
    if (this.isBroken) return;
    this.isBroken = true;
    const reject = this.rejectPending;
    this.clearPending();
    this.socket.destroy();
    if (reject) {
      this.owner.release(this);
      reject(error);
    }
  }
}

export class TlsTransport implements KmipTransport, ConnectionOwner {
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

  roundTrip(frame: Uint8Array, options: RoundTripOptions = {}): Promise<Uint8Array> {
    const { signal } = options;
    const { timeoutMs, refusal } = admitRoundTrip(options);
    if (this.isClosed) return Promise.reject(new KmsUnavailable('KMIP transport is closed'));
    if (refusal) return Promise.reject(refusal);
    const connection = this.takeIdle();
    if (connection) return connection.request(frame, signal, timeoutMs);
    return this.acquire(signal, timeoutMs).then((opened) => opened.request(frame, signal, timeoutMs));
  }

  /** Open connections, idle or busy (for tests and metrics). */
  get size(): number {
    return this.openCount;
  }

  private async acquire(signal: AbortSignal | undefined, timeoutMs: number): Promise<Connection> {
    for (;;) {
      if (this.isClosed) throw new KmsUnavailable('KMIP transport is closed');
      if (signal?.aborted) throw abortReason(signal);
      const reusable = this.takeIdle();
      if (reusable) return reusable;
      if (this.openCount < this.poolSize) {
        this.openCount += 1;
        try {
          return await this.open(signal, timeoutMs);
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

  /** A request on `connection` has settled: the connection goes back to the pool or away. */
  release(connection: Connection): void {
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

  private waitForSlot(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(abortReason(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private open(signal: AbortSignal | undefined, timeoutMs: number): Promise<Connection> {
    const { options } = this;
    return new Promise<Connection>((resolve, reject) => {
      const socket = connect({
        ...options.tlsOptions,
        host: options.host,
        port: options.port ?? DEFAULT_PORT,
        ...tlsSettings(options),
      });
      // Requests are single small frames answered one at a time: Nagle would only delay them.
      socket.setNoDelay(true);
      const cleanup = () => {
        stopDeadline();
        socket.removeListener('error', onError);
        socket.removeListener('close', onClose);
      };
      const giveUp = (error: Error) => {
        cleanup();
        socket.destroy();
        reject(error);
      };
      // A server that accepts TCP but never finishes the handshake must not hang the caller.
      const stopDeadline = startDeadline({ signal, timeoutMs }, giveUp);
      const onError = (error: Error) => giveUp(networkError(error, this.endpoint));
      const onClose = () => onError(new Error('connection closed during the TLS handshake'));
      socket.once('error', onError);
      socket.once('close', onClose);
      socket.once('secureConnect', () => {
        cleanup();
        resolve(
          new Connection(
            socket,
            this,
            this.endpoint,
            options.maxResponseBytes ?? DEFAULT_MAX_BYTES,
            options.idleTimeoutMs ?? 60_000,
          ),
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

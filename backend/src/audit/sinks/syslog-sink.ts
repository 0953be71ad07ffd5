/**
 * `syslog:tcp://host:port` or `syslog:udp://host:port`: each row as an RFC 5424 message —
 * facility 13 (log audit), severity informational for successes and warning otherwise,
 * APP-NAME `pki-manager`, MSGID the operation, MSG the row's NDJSON line — over TCP with
 * octet-counting framing (RFC 6587 §3.4.1) or one UDP datagram per row (RFC 5426).
 *
 * Plain syslog has no acknowledgement: over TCP a delivery is done once the kernel took
 * the bytes, so rows written in the instant a receiver dies can be lost, and UDP may drop
 * any row. Receivers that must hold every row dedupe and gap-check by the `seq` each
 * message carries; the file sink is exact.
 */
import { createSocket } from 'node:dgram';
import { hostname } from 'node:os';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

import { ndjsonLines } from '../audit-export.js';
import type { StoredAuditRow } from '../audit-export.js';
import type { AuditSinkTransport } from './audit-sink.js';

const FACILITY_LOG_AUDIT = 13;
const SEVERITY_WARNING = 4;
const SEVERITY_INFORMATIONAL = 6;
const CONNECT_TIMEOUT_MS = 5000;

export interface SyslogTarget {
  protocol: 'tcp' | 'udp';
  host: string;
  port: number;
}

/** `tcp://127.0.0.1:514` → the target; throws with a sentence on anything else. */
export function parseSyslogTarget(text: string): SyslogTarget {
  const match = /^(tcp|udp):\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || !(port > 0 && port < 65_536)) {
    throw new Error(`"${text}" is not tcp://host:port or udp://host:port`);
  }
  return { protocol: match[1] as 'tcp' | 'udp', host: (match[2] as string).replace(/^\[|\]$/g, ''), port };
}

/** One RFC 5424 message for a row. */
export function syslogMessage(row: StoredAuditRow, host = hostname()): string {
  const severity = row.status === 'success' ? SEVERITY_INFORMATIONAL : SEVERITY_WARNING;
  const time = new Date(row.timestamp).toISOString();
  const msgId = row.operation.replace(/[^\x21-\x7e]/g, '_').slice(0, 32) || '-';
  const line = ndjsonLines(row).split('\n')[0] ?? '';
  return `<${FACILITY_LOG_AUDIT * 8 + severity}>1 ${time} ${host || '-'} pki-manager ${process.pid} ${msgId} - ${line}`;
}

export class SyslogAuditSink implements AuditSinkTransport {
  readonly name: string;
  readonly #target: SyslogTarget;
  #socket: Socket | undefined;

  constructor(target: SyslogTarget) {
    this.#target = target;
    this.name = `syslog:${target.protocol}://${target.host}:${target.port}`;
  }

  lastDeliveredSeq(): Promise<number | undefined> {
    // A receiver cannot be asked: the saved position says where to resume.
    return Promise.resolve(undefined);
  }

  async deliver(rows: readonly StoredAuditRow[]): Promise<void> {
    const messages = rows.map((row) => syslogMessage(row));
    if (this.#target.protocol === 'udp') return this.#sendDatagrams(messages);
    const socket = await this.#connected();
    const framed = messages.map((message) => `${Buffer.byteLength(message)} ${message}`).join('');
    await new Promise<void>((resolve, reject) => {
      socket.write(framed, (error) => (error ? reject(error) : resolve()));
    }).catch((error: unknown) => {
      this.#drop(socket);
      throw error;
    });
  }

  close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket === undefined) return Promise.resolve();
    return new Promise((resolve) => socket.end(resolve));
  }

  async #connected(): Promise<Socket> {
    const current = this.#socket;
    if (current !== undefined && !current.destroyed && current.writable) return current;
    if (current !== undefined) this.#drop(current);
    const socket = await new Promise<Socket>((resolve, reject) => {
      const attempt = connect({ host: this.#target.host, port: this.#target.port, timeout: CONNECT_TIMEOUT_MS });
      attempt.once('connect', () => {
        attempt.setTimeout(0);
        resolve(attempt);
      });
      attempt.once('timeout', () =>
        attempt.destroy(new Error(`no answer from ${this.name} in ${CONNECT_TIMEOUT_MS} ms`)),
      );
      attempt.once('error', reject);
    });
    // A receiver that goes away is noticed here, so the next delivery reconnects first.
    socket.on('error', () => this.#drop(socket));
    socket.on('end', () => this.#drop(socket));
    socket.on('close', () => this.#drop(socket));
    this.#socket = socket;
    return socket;
  }

  #drop(socket: Socket): void {
    if (this.#socket === socket) this.#socket = undefined;
    socket.destroy();
  }

  async #sendDatagrams(messages: string[]): Promise<void> {
    const socket = createSocket(this.#target.host.includes(':') ? 'udp6' : 'udp4');
    try {
      for (const message of messages) {
        await new Promise<void>((resolve, reject) => {
          socket.send(message, this.#target.port, this.#target.host, (error) => (error ? reject(error) : resolve()));
        });
      }
    } finally {
      socket.close();
    }
  }
}

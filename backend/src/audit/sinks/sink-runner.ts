/**
 * Drives one sink: woken by each commit, it reads the rows after the last one delivered
 * from the database and hands them over a page at a time; on a failure it waits (growing
 * delays up to a minute) and retries from the same row. It runs beside the commits, never
 * in front of them.
 */
import type { Logger } from 'pino';

import type { AuditRowPages } from '../audit-export.js';
import type { AuditSinkStatus, AuditSinkTransport } from './audit-sink.js';

const PAGE_SIZE = 500;
const FIRST_RETRY_MS = 250;
const LAST_RETRY_MS = 60_000;

export interface SinkPosition {
  /** Where delivery resumes after a restart, for destinations that cannot tell themselves. */
  load(sinkName: string): number | undefined;
  save(sinkName: string, seq: number): void;
}

export class SinkRunner {
  readonly #transport: AuditSinkTransport;
  readonly #pages: AuditRowPages;
  readonly #position: SinkPosition;
  readonly #log: Logger;
  readonly #tipSeq: () => number;
  #deliveredThroughSeq = 0;
  #isRunning = false;
  #isWoken = false;
  #isClosed = false;
  #retryDelayMs = FIRST_RETRY_MS;
  #retryTimer: NodeJS.Timeout | undefined;
  #lastError: string | undefined;
  #failingSince: Date | undefined;
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => undefined;

  constructor(options: {
    transport: AuditSinkTransport;
    pages: AuditRowPages;
    position: SinkPosition;
    log: Logger;
    tipSeq: () => number;
  }) {
    this.#transport = options.transport;
    this.#pages = options.pages;
    this.#position = options.position;
    this.#log = options.log;
    this.#tipSeq = options.tipSeq;
  }

  /**
   * Where delivery starts: what the destination says it holds, else the saved position,
   * else the current tip (a sink added to a running log starts with the rows after it).
   */
  async start(): Promise<void> {
    const held = await this.#transport.lastDeliveredSeq().catch(() => undefined);
    this.#deliveredThroughSeq = held ?? this.#position.load(this.#transport.name) ?? this.#tipSeq();
    this.wake();
  }

  status(): AuditSinkStatus {
    return {
      name: this.#transport.name,
      isHealthy: this.#lastError === undefined,
      deliveredThroughSeq: this.#deliveredThroughSeq,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
      ...(this.#failingSince === undefined ? {} : { failingSince: this.#failingSince.toISOString() }),
    };
  }

  /** New rows are committed: deliver them (now, or after the run under way). */
  wake(): void {
    if (this.#isClosed) return;
    this.#isWoken = true;
    if (this.#isRunning || this.#retryTimer !== undefined) return;
    this.#isRunning = true;
    this.#idle = new Promise((resolve) => (this.#markIdle = resolve));
    void this.#run();
  }

  /** Resolves when everything committed so far has been delivered or has failed once. */
  whenIdle(): Promise<void> {
    return this.#idle;
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    await this.#idle;
    await this.#transport.close();
  }

  async #run(): Promise<void> {
    try {
      while (this.#isWoken && !this.#isClosed) {
        this.#isWoken = false;
        for (;;) {
          const rows = this.#pages.read(this.#deliveredThroughSeq, Number.MAX_SAFE_INTEGER, PAGE_SIZE);
          if (rows.length === 0) break;
          await this.#transport.deliver(rows);
          this.#deliveredThroughSeq = rows.at(-1)?.seq ?? this.#deliveredThroughSeq;
          this.#position.save(this.#transport.name, this.#deliveredThroughSeq);
          this.#recovered();
          if (rows.length < PAGE_SIZE) break;
        }
      }
    } catch (error) {
      this.#failed(error);
    } finally {
      this.#isRunning = false;
      this.#markIdle();
    }
  }

  #failed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.#lastError === undefined) {
      this.#failingSince = new Date();
      this.#log.error(
        { sink: this.#transport.name, err: message, deliveredThroughSeq: this.#deliveredThroughSeq },
        'an audit sink failed; it retries from the first row it has not delivered',
      );
    }
    this.#lastError = message;
    if (this.#isClosed) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.wake();
    }, this.#retryDelayMs);
    this.#retryTimer.unref();
    this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, LAST_RETRY_MS);
  }

  #recovered(): void {
    if (this.#lastError !== undefined) {
      this.#log.warn({ sink: this.#transport.name, failingSince: this.#failingSince }, 'an audit sink recovered');
    }
    this.#lastError = undefined;
    this.#failingSince = undefined;
    this.#retryDelayMs = FIRST_RETRY_MS;
  }
}

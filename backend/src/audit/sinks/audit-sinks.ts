/**
 * The configured audit sinks, started together: each is woken by every commit of the audit
 * log and reports its health for /readyz and system.status.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Logger } from 'pino';

import type { DatabaseHandle } from '../../db/client.js';
import { AuditRowPages } from '../audit-export.js';
import type { AuditLog } from '../audit-log.js';
import type { AuditSinkStatus, AuditSinkTransport } from './audit-sink.js';
import { FileAuditSink } from './file-sink.js';
import { SinkRunner } from './sink-runner.js';
import type { SinkPosition } from './sink-runner.js';
import { SyslogAuditSink, parseSyslogTarget } from './syslog-sink.js';

export type AuditSinkSpec =
  { kind: 'file'; path: string } | { kind: 'syslog'; target: ReturnType<typeof parseSyslogTarget> };

/** One entry of PKI_AUDIT_SINKS (`file:/abs/path` or `syslog:tcp://host:port`); throws a sentence when it is neither. */
export function parseAuditSinkSpec(text: string): AuditSinkSpec {
  if (text.startsWith('file:')) {
    const path = text.slice('file:'.length);
    if (!path.startsWith('/'))
      throw new Error(`"${text}": a file sink needs an absolute path, as in file:/var/log/pki/audit.ndjson`);
    return { kind: 'file', path };
  }
  if (text.startsWith('syslog:')) return { kind: 'syslog', target: parseSyslogTarget(text.slice('syslog:'.length)) };
  throw new Error(`"${text}" is neither file:/path nor syslog:tcp://host:port or syslog:udp://host:port`);
}

/** Positions of sinks that cannot tell themselves where they are, in `${PKI_DATA_DIR}/audit-sinks.json`. */
export class SinkPositionFile implements SinkPosition {
  readonly #path: string;
  readonly #positions: Record<string, number>;

  constructor(dataDir: string) {
    this.#path = join(dataDir, 'audit-sinks.json');
    this.#positions = readPositions(this.#path);
  }

  load(sinkName: string): number | undefined {
    return this.#positions[sinkName];
  }

  save(sinkName: string, seq: number): void {
    this.#positions[sinkName] = seq;
    // Replaced whole, so a crash leaves the old file or the new one, never half of one.
    writeFileSync(`${this.#path}.tmp`, JSON.stringify(this.#positions), { mode: 0o600 });
    renameSync(`${this.#path}.tmp`, this.#path);
  }
}

function readPositions(path: string): Record<string, number> {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((entry): entry is [string, number] => typeof entry[1] === 'number'),
    );
  } catch {
    return {};
  }
}

export class AuditSinks {
  readonly #runners: SinkRunner[];
  /** Settles once the rows committed so far are durable and the runners were woken for them. */
  #durableWake: Promise<void> = Promise.resolve();

  private constructor(runners: SinkRunner[]) {
    this.#runners = runners;
  }

  /**
   * A sink holds only rows that are on disk (db/wal-durability.ts): a row it shipped and a
   * power loss then took back would make the sink's copy and the restored chain disagree.
   */
  static async start(options: {
    specs: readonly AuditSinkSpec[];
    audit: AuditLog;
    database: Pick<DatabaseHandle, 'sqlite' | 'whenDurable'>;
    position: SinkPosition;
    log: Logger;
  }): Promise<AuditSinks> {
    const { sqlite } = options.database;
    const pages = new AuditRowPages(sqlite);
    const tip = sqlite.prepare<[], number>('SELECT coalesce(max(seq), 0) FROM audit_log').pluck();
    let durableTip = tip.get() ?? 0;
    const runners = options.specs.map(
      (spec) =>
        new SinkRunner({
          transport: transportFor(spec),
          pages,
          position: options.position,
          log: options.log,
          tipSeq: () => durableTip,
        }),
    );
    await Promise.all(runners.map((runner) => runner.start()));
    const sinks = new AuditSinks(runners);
    options.audit.onCommitted(() => {
      const committedTip = tip.get() ?? 0;
      const woken = options.database.whenDurable().then(
        () => {
          durableTip = Math.max(durableTip, committedTip);
          for (const runner of runners) runner.wake();
        },
        (error: unknown) => options.log.error({ err: error }, 'audit sinks: the WAL sync failed; rows are held back'),
      );
      sinks.#durableWake = Promise.all([sinks.#durableWake, woken]).then(() => undefined);
    });
    return sinks;
  }

  status(): AuditSinkStatus[] {
    return this.#runners.map((runner) => runner.status());
  }

  /** Resolves when every sink has delivered what was committed, or failed trying once. */
  async whenIdle(): Promise<void> {
    await this.#durableWake;
    await Promise.all(this.#runners.map((runner) => runner.whenIdle()));
  }

  async close(): Promise<void> {
    await Promise.all(this.#runners.map((runner) => runner.close()));
  }
}

function transportFor(spec: AuditSinkSpec): AuditSinkTransport {
  return spec.kind === 'file' ? new FileAuditSink(spec.path) : new SyslogAuditSink(spec.target);
}

/**
 * `pki audit …`: the audit review of issue 12 for auditors — search, one row, the compliance
 * summary (CSV too), the streamed export, the signer certificate, and verification on the
 * server or offline on an export file (no server, no database: audit/export-verifier.ts).
 */
import { X509Certificate } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import { Option } from 'commander';
import type { Command } from 'commander';

import { AUDIT_STATUSES, auditSummaryCsv } from '@pki/shared';
import type {
  AuditEntry,
  AuditStatus,
  AuditSummary,
  AuditVerificationResult,
  AuditVerificationRun,
  ListAuditInput,
} from '@pki/shared';

import { verifyAuditExport } from '../../audit/export-verifier.js';
import type { Api } from '../api.js';
import { parseEntity, parseInstant, parsePositiveInteger } from '../arguments.js';
import { OperationFailedError, UsageError } from '../cli-errors.js';
import { commandContext } from '../context.js';
import type { CliIo } from '../io.js';
import { printFields, printJson, printTable, shortInstant } from '../output.js';
import { collectPages } from '../pages.js';
import { withProgress } from '../progress.js';

/** The server pages by keyset; the CLI follows the cursor up to --limit rows. */
const PAGE_SIZE = 500;
const VERIFY_POLL_MS = 500;

interface ListOptions {
  since?: string;
  until?: string;
  actor?: string;
  operation?: string;
  status?: AuditStatus;
  entity?: { type: string; id: string };
  requestId?: string;
  oldestFirst?: boolean;
  limit: number;
}

export function registerAuditCommands(program: Command, io: CliIo): void {
  const audit = program.command('audit').description('the audit log: search, summary, export, verification');

  audit
    .command('list')
    .description('list audit rows, newest first')
    .option(
      '--since <when>',
      'rows at or after: a duration back from now (24h, 30d, 2w) or an ISO instant',
      parseInstant,
    )
    .option('--until <when>', 'rows at or before: a duration back from now or an ISO instant', parseInstant)
    .option('--actor <actor>', 'only this actor, e.g. user:alice, token:…, system:ocsp')
    .option('--operation <operation>', 'only this operation, e.g. kms.sign, certificate.issue')
    .addOption(new Option('--status <status>', 'only this status').choices(AUDIT_STATUSES))
    .option('--entity <type:id>', 'only rows about this entity, e.g. certificate:0193…', parseEntity)
    .option('--request-id <id>', 'only the rows of this request')
    .option('--oldest-first', 'oldest first instead')
    .option('--limit <n>', 'at most this many rows', parsePositiveInteger, 100)
    .action(async (options: ListOptions, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const filters: ListAuditInput = {
        ...(options.since === undefined ? {} : { since: options.since }),
        ...(options.until === undefined ? {} : { until: options.until }),
        ...(options.actor === undefined ? {} : { actor: options.actor }),
        ...(options.operation === undefined ? {} : { operation: options.operation }),
        ...(options.status === undefined ? {} : { status: options.status }),
        ...(options.entity === undefined ? {} : { entityType: options.entity.type, entityId: options.entity.id }),
        ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
        order: options.oldestFirst === true ? 'asc' : 'desc',
      };
      const { items, hasMore } = await collectPages(options.limit, PAGE_SIZE, (page) =>
        api.call(() => api.trpc.audit.list.query({ ...filters, ...page })),
      );
      if (isJson) return printJson(io.stdout, { items, hasMore });
      printTable(
        io.stdout,
        ['SEQ', 'TIME', 'ACTOR', 'OPERATION', 'ENTITY', 'STATUS', 'REQUEST'],
        items.map((item) => [
          String(item.seq),
          shortInstant(item.timestamp),
          item.actor,
          item.operation,
          entityOf(item),
          item.status,
          item.requestId ?? '-',
        ]),
      );
      if (hasMore) io.stderr.write(`more than ${options.limit} rows match; raise --limit or narrow the filters\n`);
    });

  audit
    .command('get')
    .description('show one audit row with its details')
    .argument('<seq>', 'the row’s seq', parsePositiveInteger)
    .action(async (seq: number, _options: unknown, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const row = await api.call(() => api.trpc.audit.get.query({ seq }));
      if (isJson) return printJson(io.stdout, row);
      printFields(io.stdout, [
        ['seq', row.seq],
        ['id', row.id],
        ['time', row.timestamp],
        ['actor', row.actor],
        ['operation', row.operation],
        ['entity', entityOf(row)],
        ['status', row.status],
        ['request', row.requestId],
        ['key operation', row.kmsOperationId],
        ['details', JSON.stringify(row.details)],
        ['prev hash', row.prevHash],
        ['hash', row.hash],
      ]);
    });

  audit
    .command('summary')
    .description('compliance summary of a period: counts, failures and denials, key and CA lifecycle')
    .requiredOption('--since <when>', 'start: a duration back from now (30d) or an ISO instant', parseInstant)
    .option('--until <when>', 'end (default now)', parseInstant)
    .option('--csv', 'write the summary as CSV (to --out, else stdout)')
    .option('--out <file>', 'with --csv: write the CSV here')
    .action(async (options: { since: string; until?: string; csv?: boolean; out?: string }, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      if (options.out !== undefined && options.csv !== true) throw new UsageError('--out: only with --csv');
      const summary = await api.call(() =>
        api.trpc.audit.summary.query({
          since: options.since,
          ...(options.until === undefined ? {} : { until: options.until }),
        }),
      );
      if (options.csv === true) {
        const csv = auditSummaryCsv(summary);
        if (options.out === undefined) io.stdout.write(csv);
        else writeFileSync(options.out, csv);
        return;
      }
      if (isJson) return printJson(io.stdout, summary);
      printSummary(io, summary);
    });

  audit
    .command('export')
    .description('stream the audit log to a file (NDJSON ends with a signed checkpoint)')
    .addOption(new Option('--format <format>', 'file format').choices(['ndjson', 'csv']).makeOptionMandatory())
    .requiredOption('--out <file>', 'write the export here')
    .option('--since <when>', 'rows at or after: a duration back from now or an ISO instant', parseInstant)
    .option('--until <when>', 'rows at or before', parseInstant)
    .action(
      async (options: { format: 'ndjson' | 'csv'; out: string; since?: string; until?: string }, command: Command) => {
        const { api } = commandContext(command, io);
        const query = new URLSearchParams({ format: options.format });
        if (options.since !== undefined) query.set('from', options.since);
        if (options.until !== undefined) query.set('to', options.until);
        let bytes = 0;
        let lines = 0;
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            bytes += chunk.byteLength;
            for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) lines += 1;
            done(null, chunk);
          },
        });
        try {
          await withProgress(
            io.stderr,
            `exporting to ${options.out}`,
            async () => {
              const body = await api.getStream(`audit/export?${query.toString()}`);
              await pipeline(body, counter, createWriteStream(options.out));
            },
            () => `${lines} lines, ${(bytes / 1_048_576).toFixed(1)} MiB`,
          );
        } catch (error) {
          // A partial file would read as a truncated export; leave none.
          rmSync(options.out, { force: true });
          throw error;
        }
        io.stderr.write(`wrote ${lines} lines (${bytes} bytes) to ${options.out}\n`);
      },
    );

  audit
    .command('signer')
    .description('the certificate of the key that signs checkpoints, with its SHA-256 fingerprint')
    .option('--out <file>', 'write the certificate PEM here')
    .action(async (options: { out?: string }, command: Command) => {
      const { api, isJson } = commandContext(command, io);
      const signer = await api.call(() => api.trpc.audit.signer.query());
      if (options.out !== undefined) writeFileSync(options.out, signer.certificatePem);
      if (isJson) return printJson(io.stdout, signer);
      if (options.out === undefined) io.stdout.write(signer.certificatePem);
      io.stderr.write(`SHA-256 fingerprint ${signer.fingerprint}\n`);
    });

  audit
    .command('verify')
    .description('verify the chain and checkpoints on the server, or an export file offline')
    .option('--full', 'on the server: from row 1, not from the last verified checkpoint')
    .option('--file <export>', 'verify this NDJSON export offline, with no server')
    .option('--signer <pem>', 'with --file: the signer certificate to trust (pki audit signer --out)')
    .action(async (options: { full?: boolean; file?: string; signer?: string }, command: Command) => {
      if (options.file !== undefined || options.signer !== undefined) {
        if (options.file === undefined || options.signer === undefined)
          throw new UsageError('--file and --signer go together');
        if (options.full === true) throw new UsageError('--full: only on the server, not with --file');
        return verifyFile(io, options.file, options.signer, commandContext(command, io).isJson);
      }
      const { api, isJson } = commandContext(command, io);
      const outcome = await verifyOnServer(io, api, options.full === true);
      if (isJson) printJson(io.stdout, outcome);
      if (!outcome.isValid) throw new OperationFailedError(`the audit log is not intact: ${outcome.summary}`);
      if (!isJson) io.stdout.write(`intact: ${describeOutcome(outcome)}\n`);
    });
}

async function verifyFile(io: CliIo, file: string, signerFile: string, isJson: boolean): Promise<void> {
  let signerPem: string;
  try {
    signerPem = readFileSync(signerFile, 'utf8');
    new X509Certificate(signerPem);
  } catch (error) {
    throw new UsageError(`--signer: ${signerFile} is not a readable PEM certificate: ${(error as Error).message}`);
  }
  const input = createReadStream(file);
  // Opened before reading, so a missing file is a usage error and not a verdict on its content.
  await new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', (error: NodeJS.ErrnoException) =>
      reject(new UsageError(`--file: cannot read ${file}: ${error.code ?? error.message}`)),
    );
  });
  const lines = createInterface({ input, crlfDelay: Infinity });
  const result = await withProgress(io.stderr, `verifying ${file}`, () => verifyAuditExport(lines, signerPem));
  if (isJson) printJson(io.stdout, result);
  if (!result.isIntact) {
    const where = result.message.startsWith('line ') ? result.message : `line ${result.line}: ${result.message}`;
    throw new OperationFailedError(`${file} is not intact: ${where} (${result.reason})`);
  }
  if (!isJson)
    io.stdout.write(
      `intact: ${result.rowCount} rows (seq ${result.firstSeq}–${result.lastSeq}), ${result.checkpointCount} checkpoints, ends at a checkpoint of row ${result.lastSeq}\n`,
    );
}

/** Starts a verification (or joins the one running) and polls its run until it has a result. */
async function verifyOnServer(io: CliIo, api: Api, isFull: boolean): Promise<AuditVerificationResult> {
  const { runId } = await api.call(() => api.trpc.audit.verify.mutate({ full: isFull }));
  let run: AuditVerificationRun | undefined;
  let progress = '';
  await withProgress(
    io.stderr,
    'verifying the audit log',
    async () => {
      for (;;) {
        run = await api.call(() => api.trpc.audit.verifyStatus.query({ runId }));
        progress = run.progress.total > 0 ? `${run.progress.walked}/${run.progress.total} rows` : '';
        if (run.state !== 'running') return;
        await sleep(VERIFY_POLL_MS);
      }
    },
    () => progress,
  );
  if (run?.result === undefined || run.result === null)
    throw new OperationFailedError(`the verification could not complete: ${run?.error ?? 'no result'}`);
  return run.result;
}

function describeOutcome(outcome: Extract<AuditVerificationResult, { isValid: true }>): string {
  const rows = `${outcome.rowCount} rows verified`;
  return outcome.fromSeq > 0 ? `${rows} after row ${outcome.fromSeq}` : rows;
}

function entityOf(row: Pick<AuditEntry, 'entityType' | 'entityId'>): string {
  return row.entityId === null ? row.entityType : `${row.entityType}:${row.entityId}`;
}

function printSummary(io: CliIo, summary: AuditSummary): void {
  const out = io.stdout;
  printFields(out, [
    ['period', `${shortInstant(summary.since)} – ${shortInstant(summary.until)}`],
    ['rows', summary.rowCount],
    ['seq', summary.firstSeq === null ? '-' : `${summary.firstSeq}–${summary.lastSeq ?? ''}`],
  ]);
  for (const [title, counts] of [
    ['BY STATUS', summary.byStatus],
    ['BY OPERATION', summary.byOperation],
    ['BY ACTOR', summary.byActor],
  ] as const) {
    out.write('\n');
    printTable(
      out,
      [title, 'COUNT'],
      counts.map((entry) => [entry.name, String(entry.count)]),
    );
  }
  for (const [title, listed] of [
    ['FAILED OR DENIED', summary.unsuccessful],
    ['KEYS CREATED', summary.keysCreated],
    ['KEYS REVOKED', summary.keysRevoked],
    ['KEYS DESTROYED', summary.keysDestroyed],
    ['CAS CREATED', summary.casCreated],
    ['CAS REVOKED', summary.casRevoked],
  ] as const) {
    out.write(
      `\n${title}: ${listed.total}${listed.total > listed.items.length ? ` (first ${listed.items.length})` : ''}\n`,
    );
    if (listed.items.length === 0) continue;
    printTable(
      out,
      ['SEQ', 'TIME', 'ACTOR', 'OPERATION', 'ENTITY', 'STATUS', 'ERROR'],
      listed.items.map((row) => [
        String(row.seq),
        shortInstant(row.timestamp),
        row.actor,
        row.operation,
        entityOf(row),
        row.status,
        typeof row.details.errorCode === 'string' ? row.details.errorCode : '-',
      ]),
    );
  }
}

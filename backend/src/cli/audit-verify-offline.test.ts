/**
 * `pki audit verify --file FILE --signer PEM` with no server and no database: exit 0 on a real
 * export, exit 1 naming the first bad line and why on each kind of damage, exit 2 on bad usage.
 * The CLI's URL points at a closed port, so a command that reached for a server would exit 3.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { exportNdjson, seedAuditLog } from '../../test/audit/sample-log.js';
import { opensslSigner } from '../../test/audit/openssl-signer.js';
import { freePort } from '../../test/harness/ports.js';
import { AuditLog } from '../audit/audit-log.js';
import { openTempDatabase, silentLogger } from '../../test/harness/temp-local-store.js';
import { EXIT_CODES } from './exit-codes.js';
import { runCliInProcess } from '../../test/harness/cli-in-process.js';

let dir: string;
let signerPem: string;
let exportLines: string[];
let closedUrl: string;

function run(argv: string[]) {
  return runCliInProcess(argv, { serverUrl: closedUrl });
}

function exportFile(name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.map((line) => `${line}\n`).join(''));
  return path;
}

function verify(file: string, signer = join(dir, 'signer.pem')) {
  return run(['audit', 'verify', '--file', file, '--signer', signer]);
}

beforeAll(async () => {
  closedUrl = `http://127.0.0.1:${await freePort()}`;
  dir = mkdtempSync(join(tmpdir(), 'pki-cli-audit-verify-'));
  const signer = opensslSigner(dir);
  signerPem = signer.certificatePem;
  writeFileSync(join(dir, 'signer.pem'), signerPem);
  const temp = openTempDatabase('pki-cli-audit-log-');
  try {
    const audit = new AuditLog(temp.database, silentLogger());
    await seedAuditLog(audit, temp.database.sqlite, signer, 20);
    audit.flush();
    exportLines = (await exportNdjson(temp.database.sqlite, signer)).trimEnd().split('\n');
  } finally {
    temp.database.close();
    rmSync(temp.dataDir, { recursive: true, force: true });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The line (1-based) of the row with this seq. */
function lineOfSeq(seq: number): number {
  return exportLines.findIndex((line) => line.includes('"type":"row"') && line.includes(`"seq":${seq},`)) + 1;
}

function withLine(lineNumber: number, edit: (line: Record<string, unknown>) => Record<string, unknown>): string[] {
  return exportLines.map((line, index) =>
    index + 1 === lineNumber ? JSON.stringify(edit(JSON.parse(line) as Record<string, unknown>)) : line,
  );
}

describe('pki audit verify --file (offline)', () => {
  it('accepts a real export: exit 0, rows, checkpoints and the last row named', async () => {
    const result = await verify(exportFile('intact.ndjson', exportLines));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(EXIT_CODES.ok);
    expect(result.stdout).toMatch(/^intact: \d+ rows \(seq 1–\d+\), 2 checkpoints, ends at a checkpoint of row \d+\n$/);
  });

  it('prints the verdict as JSON with --json', async () => {
    const result = await run([
      '--json',
      'audit',
      'verify',
      '--file',
      exportFile('json.ndjson', exportLines),
      '--signer',
      join(dir, 'signer.pem'),
    ]);
    expect(result.code).toBe(EXIT_CODES.ok);
    expect(JSON.parse(result.stdout)).toMatchObject({ isIntact: true, checkpointCount: 2 });
  });

  const damages: [string, () => string[], RegExp][] = [
    [
      'an edited row',
      () => withLine(lineOfSeq(5), (row) => ({ ...row, actor: 'user:mallory' })),
      /line 5: row 5 was changed after it was written \(hash-mismatch\)/,
    ],
    [
      'a deleted row',
      () => exportLines.filter((_, index) => index + 1 !== lineOfSeq(4)),
      /line 4: row 4 is missing; the next row is 5 \(missing-row\)/,
    ],
    [
      'two rows swapped',
      () => {
        const lines = [...exportLines];
        const [third, fourth] = [lines[2] ?? '', lines[3] ?? ''];
        lines[2] = fourth;
        lines[3] = third;
        return lines;
      },
      /line 3: row 3 is missing; the next row is 4 \(missing-row\)/,
    ],
    [
      'a truncated file',
      () => exportLines.slice(0, -1),
      /does not end with a checkpoint.*\(not-ending-at-checkpoint\)/,
    ],
    [
      'a forged checkpoint signature',
      () => {
        const last = exportLines.length;
        return withLine(last, (line) => ({ ...line, signature: Buffer.alloc(70, 1).toString('base64') }));
      },
      /line \d+: the checkpoint for row \d+ has a signature that does not verify \(forged-checkpoint\)/,
    ],
    [
      'a line that is not JSON',
      () => [...exportLines.slice(0, 2), '{not json', ...exportLines.slice(2)],
      /line 3: not a JSON object \(malformed-line\)/,
    ],
  ];

  it.each(damages)('rejects %s: exit 1 naming the first bad line and why', async (name, damaged, expected) => {
    const result = await verify(exportFile(`${name.replace(/\W+/g, '-')}.ndjson`, damaged()));
    expect(result.code).toBe(EXIT_CODES.failed);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^pki: error: .+\.ndjson is not intact: line \d+: /);
    expect(result.stderr).toMatch(expected);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('rejects an export checked against another signer', async () => {
    const other = mkdtempSync(join(tmpdir(), 'pki-cli-other-signer-'));
    try {
      writeFileSync(join(other, 'other.pem'), opensslSigner(other).certificatePem);
      const result = await verify(exportFile('other-signer.ndjson', exportLines), join(other, 'other.pem'));
      expect(result.code).toBe(EXIT_CODES.failed);
      expect(result.stderr).toMatch(/is not intact: line \d+: /);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it.each([
    [['audit', 'verify', '--file', 'x.ndjson'], /--file and --signer go together/],
    [
      ['audit', 'verify', '--file', '/no/such/export.ndjson', '--signer', '/no/such.pem'],
      /--signer: .* is not a readable PEM/,
    ],
    [['audit', 'verify', '--full', '--file', 'x', '--signer', 'y'], /--full: only on the server/],
  ])('exits 2 on bad usage: %j', async (argv, expected) => {
    const result = await run(argv);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toMatch(expected);
  });

  it('exits 2 when the export file cannot be read', async () => {
    const result = await verify(join(dir, 'missing.ndjson'));
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toMatch(/--file: cannot read .*missing\.ndjson: ENOENT/);
  });
});

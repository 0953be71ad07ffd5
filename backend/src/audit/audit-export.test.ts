import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DatabaseHandle } from '../db/client.js';
import { openTempDatabase, silentLogger } from '../../test/harness/temp-local-store.js';
import { AuditRowPages, auditExportLines } from './audit-export.js';
import { AuditLog } from './audit-log.js';
import { canonicalJson, computeAuditHash } from './chain.js';
import { verifyAuditExport } from './export-verifier.js';
import { opensslSigner } from '../../test/audit/openssl-signer.js';
import { exportNdjson, seedAuditLog } from '../../test/audit/sample-log.js';
import type { OpensslSigner } from '../../test/audit/openssl-signer.js';

async function collect(lines: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of lines) text += chunk;
  return text;
}

describe('audit export', () => {
  let dir: string;
  let database: DatabaseHandle;
  let dataDir: string;
  let audit: AuditLog;
  let signer: OpensslSigner;
  let ndjson: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pki-audit-export-'));
    signer = opensslSigner(dir);
    ({ database, dataDir } = openTempDatabase('pki-audit-export-db-'));
    audit = new AuditLog(database, silentLogger());
    await seedAuditLog(audit, database.sqlite, signer);
    ndjson = await exportNdjson(database.sqlite, signer, { pageSize: 7 });
  });
  afterAll(() => {
    database.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  const lines = () => ndjson.trimEnd().split('\n');

  it('writes every row, the recorded checkpoint after its row, and ends with a checkpoint of the last row', () => {
    const items = lines().map((line) => JSON.parse(line) as { type: string; seq: number });
    expect(items.filter((item) => item.type === 'row').map((item) => item.seq)).toEqual(
      Array.from({ length: 21 }, (_, index) => index + 1),
    );
    expect(items.filter((item) => item.type === 'checkpoint').map((item) => item.seq)).toEqual([10, 21]);
    expect(items.at(-1)).toMatchObject({ type: 'checkpoint', seq: 21 });
  });

  it('verifies intact offline, and openssl dgst -verify accepts every checkpoint statement', async () => {
    await expect(verifyAuditExport(lines(), signer.certificatePem)).resolves.toMatchObject({
      isIntact: true,
      rowCount: 21,
      checkpointCount: 2,
      lastSeq: 21,
    });
    execFileSync('openssl', [
      'x509',
      '-in',
      join(dir, 'signer.pem'),
      '-pubkey',
      '-noout',
      '-out',
      join(dir, 'pub.pem'),
    ]);
    for (const line of lines()) {
      const item = JSON.parse(line) as { type: string; statement?: string; signature?: string };
      if (item.type !== 'checkpoint') continue;
      writeFileSync(join(dir, 'statement.txt'), item.statement ?? '');
      writeFileSync(join(dir, 'sig.der'), Buffer.from(item.signature ?? '', 'base64'));
      const output = execFileSync('openssl', [
        'dgst',
        '-sha256',
        '-verify',
        join(dir, 'pub.pem'),
        '-signature',
        join(dir, 'sig.der'),
        join(dir, 'statement.txt'),
      ]).toString();
      expect(output.trim()).toBe('Verified OK');
    }
  });

  it('verifies an export that starts in the middle, anchored by its checkpoints', async () => {
    await expect(
      verifyAuditExport(
        (await exportNdjson(database.sqlite, signer, { fromSeq: 12 })).trimEnd().split('\n'),
        signer.certificatePem,
      ),
    ).resolves.toMatchObject({
      isIntact: true,
      firstSeq: 12,
    });
  });

  const withLine = (index: number, change: (item: Record<string, unknown>) => Record<string, unknown>) =>
    lines().map((line, at) =>
      at === index ? JSON.stringify(change(JSON.parse(line) as Record<string, unknown>)) : line,
    );

  it.each([
    ['an edited row', () => withLine(4, (row) => ({ ...row, actor: 'user:mallory' })), 5, 'hash-mismatch'],
    ['a deleted row', () => lines().filter((_, at) => at !== 6), 7, 'missing-row'],
    [
      'two rows swapped',
      () => {
        const copy = lines();
        [copy[2], copy[3]] = [copy[3] as string, copy[2] as string];
        return copy;
      },
      3,
      'missing-row',
    ],
    ['a truncated file', () => lines().slice(0, -1), 22, 'not-ending-at-checkpoint'],
    [
      'a forged checkpoint',
      () => withLine(lines().length - 1, (line) => ({ ...line, signature: Buffer.alloc(70, 1).toString('base64') })),
      23,
      'forged-checkpoint',
    ],
    [
      'a checkpoint from another signer',
      () => withLine(11, (line) => ({ ...line, signer: 'ab'.repeat(32) })),
      12,
      'unknown-signer',
    ],
  ])('names the first bad line of %s', async (_name, tampered, line, reason) => {
    await expect(verifyAuditExport(tampered(), signer.certificatePem)).resolves.toMatchObject({
      isIntact: false,
      line,
      reason,
    });
  });

  it('detects a chain rewritten with consistent hashes: the earlier checkpoint no longer matches', async () => {
    // Rewrite row 5 and re-hash it and every row after it, as someone with the database could.
    let previousHash = '';
    const rewritten = lines().map((line) => {
      const item = JSON.parse(line) as Record<string, unknown> & { seq: number; type: string; details: object };
      if (item.type !== 'row' || item.seq < 5) {
        if (item.type === 'row') previousHash = item.hash as string;
        return line;
      }
      const row = { ...item, actor: item.seq === 5 ? 'user:mallory' : item.actor, prevHash: previousHash };
      const hash = computeAuditHash({
        ...(row as unknown as Parameters<typeof computeAuditHash>[0]),
        detailsJson: canonicalJson(item.details),
      });
      previousHash = hash;
      return JSON.stringify({ ...row, hash });
    });
    await expect(verifyAuditExport(rewritten, signer.certificatePem)).resolves.toMatchObject({
      isIntact: false,
      line: 12,
      reason: 'checkpoint-mismatch',
    });
  });

  it('writes CSV with a header, quoted fields and formula-looking text defused', async () => {
    const csv = await collect(auditExportLines(new AuditRowPages(database.sqlite), { format: 'csv' }));
    const rows = csv.trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'seq,id,timestamp,actor,operation,entity_type,entity_id,status,details,kms_operation_id,request_id,prev_hash,hash',
    );
    expect(rows).toHaveLength(22);
    expect(rows[4]).toContain('"{""index"":3,""note"":""é \\""quoted\\"", =SUM(A1)""');
  });
});

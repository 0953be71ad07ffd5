/**
 * docs/AUDIT.md is the published format: verify_export.py, written from that document alone
 * in Python, must accept a real export and reject a tampered one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuditLog } from '../../src/audit/audit-log.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import { openTempDatabase, silentLogger } from '../harness/temp-local-store.js';
import { opensslSigner } from './openssl-signer.js';
import type { OpensslSigner } from './openssl-signer.js';
import { exportNdjson, seedAuditLog } from './sample-log.js';

const VERIFIER = fileURLToPath(new URL('./verify_export.py', import.meta.url));

describe('an independent verifier written from docs/AUDIT.md', () => {
  let dir: string;
  let dataDir: string;
  let database: DatabaseHandle;
  let signer: OpensslSigner;
  let lines: string[];

  const runVerifier = (exportLines: string[]) => {
    const path = join(dir, 'export.ndjson');
    writeFileSync(path, `${exportLines.join('\n')}\n`);
    const result = spawnSync('python3', [VERIFIER, path, signer.certificatePath], { encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pki-independent-verifier-'));
    signer = opensslSigner(dir);
    ({ database, dataDir } = openTempDatabase('pki-independent-verifier-db-'));
    await seedAuditLog(new AuditLog(database, silentLogger()), database.sqlite, signer, 30);
    lines = (await exportNdjson(database.sqlite, signer)).trimEnd().split('\n');
  });
  afterAll(() => {
    database.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a real export', () => {
    expect(runVerifier(lines)).toEqual({ status: 0, output: 'intact: 31 rows, 2 checkpoints' });
  });

  it('rejects an edited row, naming its line', () => {
    const tampered = lines.map((line, index) => (index === 7 ? line.replace('"plain"', '"PLAIN"') : line));
    expect(runVerifier(tampered)).toEqual({ status: 1, output: 'line 8: row 8 was changed after it was written' });
  });

  it('rejects a file cut before its final checkpoint', () => {
    expect(runVerifier(lines.slice(0, -1))).toMatchObject({ status: 1 });
  });
});

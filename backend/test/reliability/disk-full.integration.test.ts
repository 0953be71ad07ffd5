/**
 * Issue 15: disk full. The data directory sits on an 8 MB tmpfs (mounted here, as root); a
 * filler file takes the rest of the space. While it is full: `/readyz` answers 503 naming the
 * disk, issuance fails with the typed STORAGE_FULL (503), not a generic INTERNAL, and leaves
 * no half-done rows (every certificate row has its issuance audit row), and a cached OCSP
 * answer keeps flowing. Nothing acknowledged before is lost; once the filler is gone, with no
 * restart, `/readyz` is ready again, issuance works and the audit chain verifies.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { TRPCError } from '@trpc/server';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildApp } from '../../src/app.js';
import { mapError } from '../../src/error-mapping.js';
import { loadConfig } from '../../src/config.js';
import { opensslCsr, run, scratchDir } from '../harness/openssl.js';
import type { ScratchDir } from '../harness/openssl.js';
import { createRootCa } from '../harness/ca-hierarchy.js';
import { actAs } from '../harness/act-as.js';
import type { Actor } from '../harness/act-as.js';
import { opensslOcspRequest, postOcsp } from './ocsp-over-inject.js';

let mountPoint: string;
let scratch: ScratchDir;
let app: FastifyInstance;
let admin: Actor;
let caId: string;
let csr: string;
const filler = () => join(mountPoint, 'filler');

/** Fills the file system to the last block: dd stops with ENOSPC, which is the point. */
function fillDisk(): void {
  spawnSync('dd', ['if=/dev/zero', `of=${filler()}`, 'bs=64k'], { stdio: 'ignore' });
}

function padDisk(attempt: number): void {
  try {
    writeFileSync(join(mountPoint, `pad-${attempt}`), Buffer.alloc(4096));
  } catch {
    // Already full: what we want.
  }
}

beforeAll(async () => {
  mountPoint = mkdtempSync(join(tmpdir(), 'pki-disk-full-'));
  // Fails loudly (not a skip) where mounting is not allowed: the test must be able to fail.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint]);
  const dataDir = join(mountPoint, 'data');
  mkdirSync(dataDir);
  scratch = scratchDir('pki-disk-full-csr-');
  csr = opensslCsr(scratch, 'leaf', { key: 'ec:P-256', subject: '/CN=full.example.test' }).csrPem;
  const config = loadConfig({ PKI_MODE: 'test', PKI_DATA_DIR: dataDir, PKI_PORT: '0' });
  app = await buildApp(config, { logger: pino({ level: 'silent' }) });
  admin = await actAs(app.services, 'admin');
  const root = await createRootCa(admin.caller.cas, { name: 'Full Root', validityDays: 3650 });
  caId = root.id;
});
afterAll(async () => {
  rmSync(filler(), { force: true });
  await app.close();
  // A WAL sync still on the thread pool closes its descriptor when it ends: umount once nothing holds the mount.
  for (let attempt = 0; spawnSync('umount', [mountPoint]).status !== 0; attempt++) {
    if (attempt === 50) {
      const holders = spawnSync('sh', ['-c', `ls -l /proc/${process.pid}/fd | grep ${mountPoint}`], {
        encoding: 'utf8',
      });
      throw new Error(`${mountPoint} stays busy after app.close(): ${holders.stdout}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  rmSync(mountPoint, { recursive: true, force: true });
  scratch.remove();
});

const issue = () => admin.caller.certificates.issueFromCsr({ caId, profile: 'tls-server', csr });

async function readiness(): Promise<{ statusCode: number; reasons: string[] }> {
  const response = await app.inject({ method: 'GET', url: '/readyz' });
  return { statusCode: response.statusCode, reasons: response.json<{ reasons: string[] }>().reasons };
}

/** The OCSP answer to a nonce-less request (openssl writes it), as openssl reads it. */
async function askOcsp(request: Buffer, name: string): Promise<string> {
  const responseFile = scratch.write(`${name}.resp.der`, await postOcsp(app, request));
  return run('openssl', ['ocsp', '-respin', responseFile, '-resp_text', '-noverify']).output;
}

/** Certificate rows without their certificate.issue audit row: what a half-done issuance leaves. */
function certificatesWithoutIssuanceRow(): number {
  const row = app.services.database.sqlite
    .prepare(
      `SELECT count(*) AS n FROM certificates c WHERE c.ca_id = ? AND NOT EXISTS (
         SELECT 1 FROM audit_log a WHERE a.operation = 'certificate.issue' AND a.status = 'success' AND a.entity_id = c.id)`,
    )
    .get(caId) as { n: number };
  return row.n;
}

describe('issue 15: disk full', () => {
  it('says not ready naming the disk, refuses issuance with STORAGE_FULL, keeps cached OCSP, loses nothing, and recovers by itself', async () => {
    expect(await readiness()).toEqual({ statusCode: 200, reasons: [] });
    const before = await issue();
    const acknowledged = [before.certificate.id];
    // An OCSP answer for it, cached before the disk fills.
    const leafFile = scratch.write('leaf.pem', before.certificatePem);
    const issuerFile = scratch.write('issuer.pem', app.services.pki.cas.getCertificatePem(caId));
    const ocspRequest = opensslOcspRequest(
      issuerFile,
      { certificateFile: leafFile },
      join(scratch.path, 'ocsp-request.der'),
    );
    expect(await askOcsp(ocspRequest, 'warm')).toContain('Cert Status: good');
    // Pages SQLite may still reuse would hide the full disk: take them by writing first.
    for (let i = 0; i < 20; i++) acknowledged.push((await issue()).certificate.id);
    fillDisk();

    const full = await readiness();
    console.log(`disk full: /readyz ${full.statusCode} ${full.reasons.join('; ')}`);
    expect(full.statusCode).toBe(503);
    expect(full.reasons).toEqual([expect.stringMatching(/^database: disk full: the file system holding .+ has /)]);
    expect(full.reasons[0]).toContain(mountPoint);
    let refusals = 0;
    const refusedCodes = new Set<string>();
    for (let attempt = 0; attempt < 200 && refusals < 5; attempt++) {
      try {
        acknowledged.push((await issue()).certificate.id);
        // The WAL may absorb a few commits in space it already holds; keep the disk full.
        padDisk(attempt);
      } catch (error) {
        refusals++;
        // What the edge answers: tRPC's code and our stable code for the error's cause.
        const mapped = mapError(error instanceof TRPCError ? error.cause : error);
        refusedCodes.add(`${mapped.appCode}/${mapped.httpStatus}`);
      }
    }
    console.log(
      `disk full: ${acknowledged.length} issuances acknowledged, ${refusals} refusals, codes ${[...refusedCodes].join(', ')}`,
    );
    expect(refusals).toBeGreaterThan(0);
    expect([...refusedCodes]).toEqual(['STORAGE_FULL/503']);
    expect(certificatesWithoutIssuanceRow()).toBe(0);
    // What is cached needs no write: it still flows while the disk is full.
    expect(await askOcsp(ocspRequest, 'full')).toContain('Cert Status: good');
    expect((await readiness()).statusCode).toBe(503);

    // Space returns: everything recovers by itself, no restart.
    rmSync(filler(), { force: true });
    for (let attempt = 0; attempt < 200; attempt++) rmSync(join(mountPoint, `pad-${attempt}`), { force: true });
    expect(await readiness()).toEqual({ statusCode: 200, reasons: [] });
    const after = await issue();
    expect(after.certificate.id).not.toBe(before.certificate.id);
    // Every certificate a client was told about is there, before, during and after the outage.
    for (const id of acknowledged) expect((await admin.caller.certificates.get({ id })).id).toBe(id);
    const rows = app.services.database.sqlite
      .prepare('SELECT count(*) AS n FROM certificates WHERE ca_id = ?')
      .get(caId) as {
      n: number;
    };
    expect(rows.n).toBe(acknowledged.length + 1);
    expect(certificatesWithoutIssuanceRow()).toBe(0);
    expect(await askOcsp(ocspRequest, 'after')).toContain('Cert Status: good');
    const verification = await admin.caller.audit.verifyChain();
    expect(verification).toMatchObject({ isValid: true });
  });
});

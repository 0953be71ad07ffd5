/**
 * Issue 15: `pki backup` while the server serves, `pki restore` into a fresh data
 * directory, and the restored instance serves the same CRL, answers OCSP the same way and
 * verifies its audit chain. Restore refuses a directory a server holds, a non-empty one
 * without --force, and an archive whose bytes do not match its manifest.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BackupInvalidError, RestoreTargetNotEmptyError, restoreBackup } from '../../src/db/backup.js';
import { DataDirLockedError } from '../../src/db/data-dir-lock.js';
import { runCliProcess } from '../harness/cli-process.js';
import { freePort } from '../harness/ports.js';
import { crlSerials, ocspStatus } from './crl-serials.js';
import { callTrpc, killServer, prepareDataDir, startServer } from './server-process.js';
import type { ServerFixture, ServerProcess } from './server-process.js';

let original: ServerFixture;
let originalServer: ServerProcess;
let work: string;
const serials = { revoked: '', good: '' };

const crlOf = async (fixture: ServerFixture) =>
  Buffer.from(await (await fetch(`${fixture.baseUrl}/crl/${fixture.issuingCaId}.crl`)).arrayBuffer());

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pki-backup-test-'));
  original = await prepareDataDir();
  originalServer = await startServer(original);
  const issued: string[] = [];
  for (const name of ['kept', 'revoked']) {
    const answer = await callTrpc<{ certificate: { id: string; serialHex: string } }>(
      original,
      'certificates.issueWithServerKey',
      {
        caId: original.issuingCaId,
        profile: 'tls-client',
        algorithm: 'ec-p256',
        subject: { commonName: `${name}.backup.example` },
        validityDays: 30,
      },
    );
    issued.push(answer.data?.certificate.id ?? '');
    if (name === 'kept') serials.good = answer.data?.certificate.serialHex ?? '';
    else serials.revoked = answer.data?.certificate.serialHex ?? '';
  }
  const revoked = await callTrpc(original, 'certificates.revoke', { id: issued[1], reason: 'keyCompromise' });
  expect(revoked.data).toMatchObject({ crl: { published: true } });
  writeFileSync(
    join(work, 'issuing.pem'),
    await (await fetch(`${original.baseUrl}/ca/${original.issuingCaId}.pem`)).text(),
  );
});

afterAll(async () => {
  if (originalServer) await killServer(originalServer);
  if (original) rmSync(original.dataDir, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

const cli = (args: readonly string[]) =>
  runCliProcess(args, {
    cwd: work,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: work,
      PKI_URL: original.baseUrl,
      PKI_TOKEN: original.authorization.replace(/^Bearer /, ''),
    },
  });

describe('backup and restore (issue 15)', () => {
  it('backs up while serving, restores into a fresh directory, and the restored instance answers the same', async () => {
    const archive = join(work, 'pki.pkibackup');
    const backup = await cli(['backup', '--out', archive]);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/backup\s+.*pki\.pkibackup \(\d+ bytes\)/);

    const restoredDir = join(work, 'restored');
    const restore = await cli(['restore', archive, '--data-dir', restoredDir]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/files\s+pki\.sqlite, kms\/identity\.age, token-hmac\.key/);

    const port = await freePort();
    const restored: ServerFixture = {
      ...original,
      dataDir: restoredDir,
      port,
      baseUrl: `http://127.0.0.1:${port}`,
      // Same public URL as the original: it is written into the certificates the instance serves.
      env: { ...original.env, PKI_DATA_DIR: restoredDir, PKI_PORT: String(port) },
    };
    const restoredServer = await startServer(restored);
    try {
      const [originalCrl, restoredCrl] = [await crlOf(original), await crlOf(restored)];
      expect(restoredCrl.equals(originalCrl)).toBe(true);
      expect(crlSerials(restoredCrl)).toContain(serials.revoked);
      const issuerPem = join(work, 'issuing.pem');
      for (const serial of [serials.revoked, serials.good]) {
        expect(ocspStatus(restored.baseUrl, issuerPem, serial)).toBe(ocspStatus(original.baseUrl, issuerPem, serial));
      }
      expect(ocspStatus(restored.baseUrl, issuerPem, serials.revoked)).toBe('revoked');
      expect(ocspStatus(restored.baseUrl, issuerPem, serials.good)).toBe('good');
      const chain = await callTrpc<{ isValid: boolean }>(restored, 'audit.verifyChain', undefined, 'query');
      expect(chain.data).toMatchObject({ isValid: true });
      // The admin's API token works on the restored instance: its HMAC key came along.
      expect(chain.status).toBe(200);
    } finally {
      await killServer(restoredServer);
    }

    const db = new Database(join(original.dataDir, 'pki.sqlite'), { readonly: true });
    const row = db
      .prepare("SELECT actor, status FROM audit_log WHERE operation = 'system.backup' ORDER BY seq DESC")
      .get();
    db.close();
    expect(row).toMatchObject({ actor: expect.stringMatching(/^token:/) as string, status: 'success' });
  });

  it('refuses a directory a server holds, a non-empty one without --force, and a corrupted archive', async () => {
    const archive = join(work, 'second.pkibackup');
    const backup = await fetch(`${original.baseUrl}/api/backup`, {
      headers: { authorization: original.authorization },
    });
    expect(backup.status).toBe(200);
    writeFileSync(archive, Buffer.from(await backup.arrayBuffer()));

    expect(() => restoreBackup(archive, original.dataDir, { isForced: true })).toThrow(DataDirLockedError);

    const target = join(work, 'non-empty');
    restoreBackup(archive, target);
    expect(() => restoreBackup(archive, target)).toThrow(RestoreTargetNotEmptyError);
    expect(restoreBackup(archive, target, { isForced: true }).files.length).toBeGreaterThan(0);

    const corrupted = Buffer.from(readFileSync(archive));
    corrupted[corrupted.length - 100] = (corrupted[corrupted.length - 100] ?? 0) ^ 0xff;
    writeFileSync(join(work, 'corrupted.pkibackup'), corrupted);
    expect(() => restoreBackup(join(work, 'corrupted.pkibackup'), join(work, 'never'))).toThrow(BackupInvalidError);
    expect(() => restoreBackup(join(work, 'corrupted.pkibackup'), join(work, 'never'))).toThrow(/checksum mismatch/);

    const anonymous = await fetch(`${original.baseUrl}/api/backup`);
    expect(anonymous.status).toBe(401);
  });
});

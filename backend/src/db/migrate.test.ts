import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { openDatabase } from './client.js';
import { MIGRATIONS_FOLDER, migrateDatabase } from './migrate.js';

interface Journal {
  entries: Array<{ idx: number; tag: string }>;
}

/** A copy of the migrations folder that stops after the first migration: an "old release". */
function firstMigrationOnly(): string {
  const folder = mkdtempSync(join(tmpdir(), 'pki-migrations-'));
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
  journal.entries = journal.entries.slice(0, 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

describe('migrations', () => {
  it('move a database made by the first migration forward without losing rows', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pki-db-')), 'pki.sqlite');
    const old = openDatabase(path);
    migrateDatabase(old.db, firstMigrationOnly());
    old.sqlite
      .prepare(
        `INSERT INTO kms_keys (id, backend, private_key_ref, algorithm, purpose, label, public_key_spki, state)
         VALUES ('k1', 'local', 'ref-1', 'rsa-2048', 'ca', 'root-key', x'3000', 'active')`,
      )
      .run();
    old.sqlite
      .prepare(
        `INSERT INTO audit_log (id, timestamp, actor, operation, entity_type, status, details, prev_hash, hash)
         VALUES ('a1', 1, 'system', 'key.generate', 'kms_key', 'success', '{}', '0', 'h1')`,
      )
      .run();
    old.close();

    const current = openDatabase(path);
    migrateDatabase(current.db);
    const key = current.sqlite.prepare('SELECT label, state FROM kms_keys WHERE id = ?').get('k1');
    expect(key).toEqual({ label: 'root-key', state: 'active' });
    const audit = current.sqlite.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number };
    expect(audit.n).toBe(1);
    // The later migration's append-only triggers are in force on the upgraded file.
    expect(() => current.sqlite.prepare("UPDATE audit_log SET actor = 'x'").run()).toThrow(/append-only/);
    expect(() => current.sqlite.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    current.close();
  });

  it('are a no-op on restart and keep the data', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pki-db-')), 'pki.sqlite');
    const first = openDatabase(path);
    migrateDatabase(first.db);
    first.sqlite.prepare(`INSERT INTO users (id, username, role) VALUES ('u1', 'alice', 'admin')`).run();
    first.close();

    const second = openDatabase(path);
    migrateDatabase(second.db);
    expect(second.sqlite.prepare('SELECT username FROM users').all()).toEqual([{ username: 'alice' }]);
    expect(second.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(second.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    second.close();
  });

  it('match the schema: drizzle-kit has nothing left to generate', async () => {
    const { execFileSync } = await import('node:child_process');
    const output = execFileSync('pnpm', ['exec', 'drizzle-kit', 'check'], {
      cwd: join(MIGRATIONS_FOLDER, '..'),
      encoding: 'utf8',
    });
    expect(output).toMatch(/Everything's fine/);
  });
});

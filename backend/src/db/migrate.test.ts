import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { openDatabase } from './client.js';
import { MIGRATIONS_FOLDER, migrateDatabase } from './migrate.js';

interface Journal {
  entries: Array<{ idx: number; tag: string }>;
}

/** A copy of the migrations folder that stops before the migration tagged `next`: an "old release". */
function migrationsBefore(next: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'pki-migrations-'));
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
  const end = journal.entries.findIndex((entry) => entry.tag === next);
  expect(end).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, end);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

describe('migrations', () => {
  it('move a database made by the first migration forward without losing rows', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pki-db-')), 'pki.sqlite');
    const old = openDatabase(path);
    migrateDatabase(old.db, migrationsBefore('0001_audit_log_append_only'));
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

  it('give a CA serial stored with a trimmed zero nibble its whole bytes, and leave the others', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pki-db-')), 'pki.sqlite');
    const old = openDatabase(path);
    migrateDatabase(old.db, migrationsBefore('0014_ca_serial_hex_whole_bytes'));
    old.sqlite
      .prepare(
        `INSERT INTO kms_keys (id, backend, private_key_ref, algorithm, purpose, label, public_key_spki, state)
         VALUES ('k1', 'local', 'ref-1', 'ec-p256', 'ca', 'ca-key', x'3000', 'active')`,
      )
      .run();
    const insertCa = old.sqlite.prepare(
      `INSERT INTO certificate_authorities (id, name, key_id, subject_dn, serial_hex, status)
       VALUES (?, ?, 'k1', 'CN=x', ?, 'active')`,
    );
    insertCa.run('trimmed', 'Trimmed', 'd92dfbc1ee4e064c39d1804e37782b9');
    insertCa.run('whole', 'Whole', '7f01');
    insertCa.run('pending', 'Pending', null);
    old.close();

    const current = openDatabase(path);
    migrateDatabase(current.db);
    const serials = current.sqlite.prepare('SELECT id, serial_hex FROM certificate_authorities ORDER BY id').all();
    expect(serials).toEqual([
      { id: 'pending', serial_hex: null },
      { id: 'trimmed', serial_hex: '0d92dfbc1ee4e064c39d1804e37782b9' },
      { id: 'whole', serial_hex: '7f01' },
    ]);
    current.close();
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

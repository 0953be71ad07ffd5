import { afterEach, describe, expect, it } from 'vitest';

import type { SealedKey } from '../kms/drivers/local/sealed-key-storage.js';
import { openDatabase } from './client.js';
import type { DatabaseHandle } from './client.js';
import { migrateDatabase } from './migrate.js';
import { SqliteSealedKeyRepository } from './sealed-key-repository.js';

function sealedKey(overrides: Partial<SealedKey> = {}): SealedKey {
  return {
    privateKeyRef: 'ref-1',
    label: 'pki-test/root',
    algorithm: 'ec-p256',
    sealedPrivateKey: new Uint8Array([1, 2, 3]),
    publicKeySpki: new Uint8Array([4, 5, 6]),
    isExportable: false,
    state: 'active',
    createdAt: new Date(1_700_000_000_000),
    ...overrides,
  };
}

describe('SqliteSealedKeyRepository', () => {
  let database: DatabaseHandle | undefined;
  const migrated = () => {
    database = openDatabase(':memory:');
    migrateDatabase(database.db);
    return database;
  };
  afterEach(() => {
    database?.close();
    database = undefined;
  });

  it('refuses an unmigrated database', () => {
    database = openDatabase(':memory:');
    expect(() => new SqliteSealedKeyRepository(database as DatabaseHandle)).toThrow(/has not been migrated/);
  });

  it('overwrites freed pages, so a destroyed key does not stay in the file', () => {
    const handle = migrated();
    new SqliteSealedKeyRepository(handle);
    expect(handle.sqlite.pragma('secure_delete', { simple: true })).toBe(1);
  });

  it('stores and reads back a key, and reports a label another key holds', async () => {
    const repository = new SqliteSealedKeyRepository(migrated());
    expect(await repository.insert(sealedKey())).toBe('inserted');
    expect(await repository.find('ref-1')).toEqual({
      ...sealedKey(),
      sealedPrivateKey: Buffer.from([1, 2, 3]),
      publicKeySpki: Buffer.from([4, 5, 6]),
    });
    expect(await repository.isLabelTaken('pki-test/root')).toBe(true);
    expect(await repository.insert(sealedKey({ privateKeyRef: 'ref-2' }))).toBe('label-taken');
    expect(await repository.find('ref-2')).toBeUndefined();
  });

  it('keeps the first revocation time and a tombstone without key material after destroy', async () => {
    const handle = migrated();
    const repository = new SqliteSealedKeyRepository(handle);
    await repository.insert(sealedKey());
    await repository.insert(sealedKey({ privateKeyRef: 'ref-2', label: 'pki-test/other' }));
    await repository.insert(sealedKey({ privateKeyRef: 'ref-3', label: 'elsewhere/root' }));
    const first = new Date(1_700_000_100_000);
    await repository.revoke({
      privateKeyRef: 'ref-1',
      state: 'deactivated',
      reason: 'superseded',
      message: null,
      revokedAt: first,
    });
    await repository.revoke({
      privateKeyRef: 'ref-1',
      state: 'compromised',
      reason: 'keyCompromise',
      message: 'leaked',
      revokedAt: new Date(1_700_000_200_000),
    });
    const revokedAt = handle.sqlite
      .prepare('SELECT revoked_at FROM local_kms_keys WHERE private_key_ref = ?')
      .pluck()
      .get('ref-1');
    expect(revokedAt).toBe(first.getTime());
    expect((await repository.find('ref-1'))?.state).toBe('compromised');

    await repository.destroy('ref-1', new Date(1_700_000_300_000));
    expect(await repository.find('ref-1')).toMatchObject({
      state: 'destroyed',
      sealedPrivateKey: null,
      publicKeySpki: null,
    });
    expect((await repository.listLive('pki-test/')).map((key) => key.privateKeyRef)).toEqual(['ref-2']);
  });
});

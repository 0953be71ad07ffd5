import { rmSync } from 'node:fs';

import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';

import { KMS_BACKENDS } from '@pki/shared';

import type { KmsConfig } from '../config.js';
import { KeyStoreBreaker } from './key-store-breaker.js';
import { KEY_STORE_FACTORIES, createKeyStore } from './create-key-store.js';
import type { KeyStoreSettings } from './create-key-store.js';
import { LocalKeyStore } from './drivers/local/local-key-store.js';
import { openTempDatabase, silentLogger } from '../../test/harness/temp-local-store.js';

describe('createKeyStore', () => {
  const temp = openTempDatabase('pki-factory-');
  afterAll(() => {
    temp.database.close();
    rmSync(temp.dataDir, { recursive: true, force: true });
  });
  const settings = (kms: KmsConfig, mode: KeyStoreSettings['mode'] = 'test'): KeyStoreSettings => ({
    kms,
    dataDir: temp.dataDir,
    mode,
    kmsRequest: { attempts: 1, timeoutMs: 1000 },
  });

  it('builds the local driver from config, warning in production mode', async () => {
    const lines: { level: number; msg: string; component?: string }[] = [];
    const log = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) },
    );
    const store = await createKeyStore(settings({ backend: 'local', namespace: 'pki-manager' }, 'production'), {
      log,
      database: temp.database,
    });
    expect(store).toBeInstanceOf(KeyStoreBreaker);
    expect(store.driver).toBeInstanceOf(LocalKeyStore);
    expect(store.backend).toBe('local');
    expect(store.namespace).toBe('pki-manager/');
    expect(lines.find((line) => line.level === 40)).toMatchObject({
      component: 'kms',
      msg: expect.stringContaining('for development'),
    });
    await store.close();
  });

  it('has a factory for every PKI_KMS_BACKEND value', () => {
    expect(Object.keys(KEY_STORE_FACTORIES).sort()).toEqual([...KMS_BACKENDS].sort());
  });

  it('builds the pkcs11 driver without touching the token until first use', async () => {
    const store = await createKeyStore(
      settings({
        backend: 'pkcs11',
        namespace: 'pki',
        modulePath: '/nonexistent/libsofthsm2.so',
        tokenLabel: 't',
        pin: '1234',
      }),
      { log: silentLogger(), database: temp.database },
    );
    expect(store.backend).toBe('pkcs11');
    expect((await store.health()).isHealthy).toBe(false);
    await store.close();
  });
});

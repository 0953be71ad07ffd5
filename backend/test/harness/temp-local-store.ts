/**
 * A `local` key store on a fresh, migrated SQLite file in a temporary data directory: what
 * the contract suite, the KMSService tests and the benchmark run against. Real files, real
 * age, real SQLite; nothing mocked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';
import type { Logger } from 'pino';

import { AuditLog } from '../../src/audit/audit-log.js';
import { openDatabase } from '../../src/db/client.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import { KmsKeyRepository } from '../../src/db/kms-key-repository.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { SqliteSealedKeyRepository } from '../../src/db/sealed-key-repository.js';
import { LocalKeyStore } from '../../src/kms/drivers/local/local-key-store.js';
import type { SealedKeyStorage } from '../../src/kms/drivers/local/sealed-key-storage.js';
import type { KeyStore } from '../../src/kms/key-store.js';
import { KMSService } from '../../src/kms/service.js';

export interface TempLocalStore {
  dataDir: string;
  databasePath: string;
  database: DatabaseHandle;
  /** The store's sealed keys, through the same interface the store uses. */
  sealedKeys: SealedKeyStorage;
  store: LocalKeyStore;
  /** Closes the store and the database and deletes the directory. */
  cleanup: () => Promise<void>;
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A logger at info level whose lines are kept, parsed, for a test to read. */
export function capturingLogger(): { log: Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) },
  );
  return { log, lines };
}

/** A migrated database in a new temporary directory. */
export function openTempDatabase(prefix = 'pki-kms-'): {
  dataDir: string;
  databasePath: string;
  database: DatabaseHandle;
} {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const databasePath = join(dataDir, 'pki.sqlite');
  const database = openDatabase(databasePath);
  migrateDatabase(database.db);
  return { dataDir, databasePath, database };
}

export async function openTempLocalStore(
  options: { namespace?: string; isProduction?: boolean; log?: Logger; availableCores?: number } = {},
): Promise<TempLocalStore> {
  const { dataDir, databasePath, database } = openTempDatabase();
  const sealedKeys = new SqliteSealedKeyRepository(database);
  const store = await LocalKeyStore.open(
    {
      dataDir,
      namespace: options.namespace ?? 'pki-test',
      isProduction: options.isProduction ?? false,
      storage: sealedKeys,
      ...(options.availableCores === undefined ? {} : { availableCores: options.availableCores }),
    },
    options.log ?? silentLogger(),
  );
  return {
    dataDir,
    databasePath,
    database,
    sealedKeys,
    store,
    cleanup: async () => {
      await store.close();
      database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `create`/`teardown` for runKeyStoreContract: each created store gets its own directory. */
export function tempLocalStoreHarness(): {
  create: () => Promise<LocalKeyStore>;
  teardown: (store: object) => Promise<void>;
} {
  const cleanups = new WeakMap<object, () => Promise<void>>();
  return {
    create: async () => {
      const temp = await openTempLocalStore();
      cleanups.set(temp.store, temp.cleanup);
      return temp.store;
    },
    teardown: async (store) => cleanups.get(store)?.(),
  };
}

/** KMSService over a key store and database as app.ts wires it, with its audit log. */
export function openAuditedKms(
  keyStore: KeyStore,
  database: DatabaseHandle,
  log: Logger = silentLogger(),
): { kms: KMSService; audit: AuditLog } {
  const audit = new AuditLog(database, log);
  const kms = new KMSService({ keyStore, keys: new KmsKeyRepository(database), audit, log });
  return { kms, audit };
}

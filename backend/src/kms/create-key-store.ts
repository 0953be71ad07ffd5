/**
 * `PKI_KMS_BACKEND` → driver (smallstep's kms.New + registry). Config validation has
 * already made an unknown backend impossible, and every backend has its driver. Every
 * driver is handed out behind the one circuit breaker (key-store-breaker.ts).
 */
import type { Logger } from 'pino';

import type { KmsBackend } from '@pki/shared';

import type { Config, KmsConfig } from '../config.js';
import type { DatabaseHandle } from '../db/client.js';
import { SqliteSealedKeyRepository } from '../db/sealed-key-repository.js';
import { LocalKeyStore } from './drivers/local/local-key-store.js';
import type { KeyStore } from './key-store.js';
import { KeyStoreBreaker } from './key-store-breaker.js';

export type KeyStoreSettings = Pick<Config, 'kms' | 'dataDir' | 'mode' | 'kmsRequest'> &
  Partial<Pick<Config, 'kmsProbeIntervalMs'>>;

export interface KeyStoreDependencies {
  /** The app logger; each driver gets a `component: 'kms'` child. */
  log: Logger;
  /** The app's database: only the local driver's sealed keys are kept there (its own table). */
  database: DatabaseHandle;
}

export type KeyStoreFactory<Backend extends KmsBackend> = (
  kms: Extract<KmsConfig, { backend: Backend }>,
  settings: KeyStoreSettings,
  dependencies: KeyStoreDependencies,
) => Promise<KeyStore>;

export const KEY_STORE_FACTORIES: { readonly [Backend in KmsBackend]: KeyStoreFactory<Backend> } = {
  local: (kms, settings, { log, database }) =>
    LocalKeyStore.open(
      {
        dataDir: settings.dataDir,
        namespace: kms.namespace,
        isProduction: settings.mode === 'production',
        storage: new SqliteSealedKeyRepository(database),
      },
      log,
    ),
  // Neither contacts its server here, so the app starts while the KMS is down: cosmian checks the
  // version floor, the credentials and the vendor id at first contact and in every health()
  // (/readyz); kmip negotiates the protocol version on its first call.
  cosmian: async (kms, settings, { log }) => {
    const { openCosmianKeyStore } = await import('./drivers/cosmian/cosmian-key-store.js');
    return openCosmianKeyStore(kms, settings.kmsRequest, log);
  },
  kmip: async (kms, settings, { log }) => {
    const { openKmipKeyStore } = await import('./drivers/kmip/kmip-key-store.js');
    return openKmipKeyStore(kms, settings.kmsRequest, log);
  },
  pkcs11: async (kms, _settings, { log }) => {
    // Loaded only when selected: the PKCS#11 binding is a native addon the other backends never need.
    const { Pkcs11KeyStore } = await import('./drivers/pkcs11/pkcs11-key-store.js');
    return new Pkcs11KeyStore(
      { modulePath: kms.modulePath, tokenLabel: kms.tokenLabel, pin: kms.pin, namespace: kms.namespace },
      log,
    );
  },
};

/** A health probe answers in one try; it need not wait as long as a signature may. */
const MAX_PROBE_TIMEOUT_MS = 5_000;
const DEFAULT_PROBE_INTERVAL_MS = 5_000;

export async function createKeyStore(
  settings: KeyStoreSettings,
  dependencies: KeyStoreDependencies,
): Promise<KeyStoreBreaker> {
  const log = dependencies.log.child({ component: 'kms', backend: settings.kms.backend });
  const driver = await selectFactory(settings.kms)(settings.kms, settings, { ...dependencies, log });
  return new KeyStoreBreaker(driver, {
    probeIntervalMs: settings.kmsProbeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS,
    probeTimeoutMs: Math.min(settings.kmsRequest.timeoutMs, MAX_PROBE_TIMEOUT_MS),
    log,
  });
}

/** Narrows the factory to the config's own variant, so each factory sees its own fields. */
function selectFactory<Kms extends KmsConfig>(kms: Kms): KeyStoreFactory<Kms['backend']> {
  return KEY_STORE_FACTORIES[kms.backend] as KeyStoreFactory<Kms['backend']>;
}

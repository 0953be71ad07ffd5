/**
 * The cosmian driver pointed at a Cosmian stand-in, the way the app would build it from
 * PKI_* variables: one place for the config the driver tests, the contract runs and the app
 * tests share.
 */
import { afterEach } from 'vitest';

import type { KmsConfig } from '../../src/config.js';
import type { KeyStore } from '../../src/kms/key-store.js';
import { startCosmianStandIn } from './cosmian-standin.js';
import type { CosmianStandIn, CosmianStandInOptions } from './cosmian-standin.js';

export type CosmianKmsConfig = Extract<KmsConfig, { backend: 'cosmian' }>;

export const STAND_IN_TOKEN = 'dGVzdC1hcGktdG9rZW4=';

/** What PKI_COSMIAN_* would give for this stand-in (token sent, defaults elsewhere). */
export function cosmianConfigFor(
  url: string,
  overrides: Partial<Omit<CosmianKmsConfig, 'backend' | 'url'>> = {},
): CosmianKmsConfig {
  return {
    backend: 'cosmian',
    namespace: 'pki-test',
    url,
    token: STAND_IN_TOKEN,
    apiKey: undefined,
    caPath: undefined,
    clientCertPath: undefined,
    clientKeyPath: undefined,
    vendorId: 'cosmian',
    ...overrides,
  };
}

/** A stand-in that requires the test token. */
export function startTokenProtectedStandIn(
  options: Omit<CosmianStandInOptions, 'apiToken'> = {},
): Promise<CosmianStandIn> {
  return startCosmianStandIn({ apiToken: STAND_IN_TOKEN, ...options });
}

/**
 * The stand-in and store a test opened, closed after each test; a test sets the fields as
 * it opens them.
 */
export function closedAfterEach(): { standIn: CosmianStandIn | undefined; store: KeyStore | undefined } {
  const opened: { standIn: CosmianStandIn | undefined; store: KeyStore | undefined } = {
    standIn: undefined,
    store: undefined,
  };
  afterEach(async () => {
    await opened.store?.close();
    await opened.standIn?.stop();
    opened.store = undefined;
    opened.standIn = undefined;
  });
  return opened;
}

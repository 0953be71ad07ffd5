/**
 * The PKI_* variables that point the `kmip` driver at a PyKMIP server from the harness, as
 * `pnpm start` would read them, with the outage tests' short timeout and fast probe.
 */
import { join } from 'node:path';

import type { PyKmipServer } from '../harness/pykmip.js';

/**
 * The timeout of the outage tests whose calls wait out a frozen PyKMIP. Their setup has PyKMIP
 * make an RSA-3072 root key (in Python) under the same timeout, so it must outlast that on a
 * loaded 2-core machine: 3 s did not, in CI.
 */
export const FROZEN_CALL_TIMEOUT_MS = 10_000;

export function kmipDriverEnvironment(
  kmip: PyKmipServer,
  options: { namespace: string; timeoutMs: number; attempts: number },
): Record<string, string> {
  return {
    PKI_KMS_BACKEND: 'kmip',
    PKI_KMS_NAMESPACE: options.namespace,
    PKI_KMIP_HOST: kmip.host,
    PKI_KMIP_PORT: String(kmip.port),
    PKI_KMIP_CA: join(kmip.directory, 'ca.crt'),
    PKI_KMIP_CERT: join(kmip.directory, 'client.crt'),
    PKI_KMIP_KEY: join(kmip.directory, 'client.key'),
    PKI_KMS_TIMEOUT_MS: String(options.timeoutMs),
    PKI_KMS_ATTEMPTS: String(options.attempts),
    // Once the breaker opened, the probe finds the server again within a quarter second.
    PKI_KMS_PROBE_INTERVAL_MS: '250',
  };
}

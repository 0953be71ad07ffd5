/**
 * What the app does with its key store at start: prove it answers, say so in one line
 * (`kms backend ready`), and reconcile its keys with the database. A key store that does
 * not answer yet does not stop the process: /readyz stays 503 naming it, and the line
 * says why, so a KMS that starts after us (compose) is picked up without a restart.
 */
import type { Logger } from 'pino';

import { SYSTEM_CONTEXT } from '../request-context.js';
import type { KMSService } from './service.js';

export async function announceKeyStore(kms: KMSService, log: Logger): Promise<void> {
  const health = await kms.health().catch((error: unknown) => ({
    isHealthy: false,
    detail: error instanceof Error ? error.message : String(error),
  }));
  if (!health.isHealthy) {
    log.warn({ backend: kms.backend, namespace: kms.namespace, detail: health.detail }, 'kms backend not ready');
    return;
  }
  log.info({ backend: kms.backend, namespace: kms.namespace }, 'kms backend ready');
  try {
    const report = await kms.reconcile(SYSTEM_CONTEXT);
    if (report.unknownKeys.length > 0 || report.missingKeyIds.length > 0) {
      log.warn(
        { unknownKeys: report.unknownKeys.length, missingKeys: report.missingKeyIds.length },
        'key store and database disagree; see the kms.reconcile audit row',
      );
    }
  } catch (error) {
    log.warn({ err: error }, 'key reconciliation failed');
  }
}

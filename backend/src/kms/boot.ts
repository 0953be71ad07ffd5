/**
 * What the app does with its key store at start: prove it answers, say so in one line
 * (`kms backend ready`), and reconcile its keys with the database. A key store that does
 * not answer yet does not stop the process: /readyz stays 503 naming it, the line says why,
 * and the check is repeated (1 s, 2 s, 5 s, 10 s, then every 30 s) until it answers, when
 * the ready line and the reconciliation follow, so a KMS that starts after us (compose) is
 * picked up without a restart. `stop()` ends the repeats (app close).
 *
 * After an outage (the circuit breaker closing again, key-store-breaker.ts) the keys are
 * reconciled once more: a key the key store created while its answer was lost is then
 * reported (`kms.reconcile` row) instead of staying unknown until the next start.
 */
import type { Logger } from 'pino';

import { SYSTEM_CONTEXT } from '../request-context.js';
import type { KeyStoreBreaker } from './key-store-breaker.js';
import type { KMSService } from './service.js';

const RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 5_000, 10_000, 30_000];

export interface KeyStoreAnnouncement {
  stop(): void;
}

export async function announceKeyStore(
  kms: KMSService,
  log: Logger,
  breaker?: Pick<KeyStoreBreaker, 'onCircuitChange'>,
): Promise<KeyStoreAnnouncement> {
  let isStopped = false;
  let timer: NodeJS.Timeout | undefined;
  // Until the first "ready", the repeated check below does the announcing and reconciling.
  let isAnnounced = false;
  const stopWatching = breaker?.onCircuitChange((circuit) => {
    if (isStopped || !isAnnounced || circuit.state !== 'closed') return;
    log.info({ backend: kms.backend, namespace: kms.namespace }, 'kms backend ready again');
    void reconcile(kms, log);
  });

  const attempt = async (tryIndex: number): Promise<void> => {
    const health = await kms.health().catch((error: unknown) => ({
      isHealthy: false,
      detail: error instanceof Error ? error.message : String(error),
    }));
    if (isStopped) return;
    if (!health.isHealthy) {
      if (tryIndex === 0) {
        log.warn({ backend: kms.backend, namespace: kms.namespace, detail: health.detail }, 'kms backend not ready');
      }
      const delay = RETRY_DELAYS_MS[Math.min(tryIndex, RETRY_DELAYS_MS.length - 1)] ?? 30_000;
      timer = setTimeout(() => void attempt(tryIndex + 1), delay);
      // A key store that never answers must not keep the process alive.
      timer.unref();
      return;
    }
    isAnnounced = true;
    log.info({ backend: kms.backend, namespace: kms.namespace }, 'kms backend ready');
    await reconcile(kms, log);
  };

  await attempt(0);
  return {
    stop() {
      isStopped = true;
      clearTimeout(timer);
      stopWatching?.();
    },
  };
}

async function reconcile(kms: KMSService, log: Logger): Promise<void> {
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

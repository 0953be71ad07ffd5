/**
 * Publishes each CA's full CRL: on every revocation, and from a scheduler well before
 * nextUpdate (PKI_CRL_VALIDITY). The DER is cached in the `crls` table, so serving it
 * costs a row read. Publications of one CA are serialized and coalesced: a burst of
 * revocations while a CRL is being signed produces one more CRL, not one per revocation.
 * Expired certificates are left out (RFC 5280 §3.3 allows it; it keeps CRLs small).
 *
 * A revocation is done once committed; its CRL may follow. The revocation's own
 * transaction bumps the CA's `crl_revision` (CaRepository.markCrlStale); a CRL records
 * the revision its entries were read at, both read in one synchronous step so they agree.
 * While a CA's published revision is behind, `ensurePublished` retries with backoff
 * (RETRY_DELAYS_MS) until a CRL is stored, and `resumePending` picks the work up at boot:
 * a key store outage or a SIGKILL between the revocation and its CRL delays the CRL, never
 * loses it. A CA whose signing key is destroyed can never sign again: it is logged, not retried.
 */
import { randomUUID } from 'node:crypto';

import type { Logger } from 'pino';

import type { CrlPublication } from '@pki/shared';

import type { AuditLog } from '../audit/audit-log.js';
import type { CaRepository } from '../db/ca-repository.js';
import type { CertificateRepository } from '../db/certificate-repository.js';
import type { CrlRepository } from '../db/crl-repository.js';
import { systemContext } from '../request-context.js';
import type { RequestContext } from '../request-context.js';
import type { CaDirectory } from './ca-directory.js';
import { assembleCrl, encodeTbsCertList } from './crl-builder.js';
import type { CrlEntry } from './crl-builder.js';
import { pkiErrors } from './errors.js';
import { signTbs } from './kms-signer.js';
import type { PkiKms } from './kms-signer.js';
import { toPem } from './pem.js';
import { PKI_AUDIT_OPERATIONS } from './audit-operations.js';

export interface CrlPublisherDependencies {
  cas: CaRepository;
  certificates: CertificateRepository;
  crls: CrlRepository;
  kms: PkiKms;
  audit: AuditLog;
  directory: CaDirectory;
  /** PKI_CRL_VALIDITY in seconds: nextUpdate − thisUpdate. */
  validitySeconds: number;
  log: Logger;
  now?: () => Date;
}

/** First retry after 1 s, then doubling up to 5 min, for as long as the CRL is behind. */
const RETRY_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000, 300_000] as const;

export interface PublishedCrl {
  caId: string;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  entryCount: number;
  der: Uint8Array;
}

/**
 * One answer for a revocation that touched several CRLs (a CA's and its parent's, the
 * parent first): published when all are, else the earliest retry.
 */
export function combinedPublication(publications: readonly CrlPublication[]): CrlPublication {
  const pending = publications
    .filter((publication): publication is Extract<CrlPublication, { published: false }> => !publication.published)
    .sort((a, b) => a.retryAt.localeCompare(b.retryAt));
  return pending[0] ?? publications[0] ?? { published: true, crlNumber: 0 };
}

/** Each scheduler run is a request of its own: its rows share an id no other run has. */
function schedulerContext(): RequestContext {
  return systemContext('crl-scheduler', randomUUID());
}

/** A retry, or the boot's catch-up, is system work of its own. */
function retryContext(): RequestContext {
  return systemContext('crl-publisher', randomUUID());
}

interface PendingRetry {
  attempt: number;
  retryAt: Date;
  timer: NodeJS.Timeout;
}

export class CrlPublisher {
  readonly #deps: CrlPublisherDependencies;
  readonly #now: () => Date;
  /** Per CA: the publication running and the one queued behind it. */
  readonly #inFlight = new Map<string, { running: Promise<PublishedCrl>; queued: Promise<PublishedCrl> | null }>();
  #timer: NodeJS.Timeout | null = null;
  readonly #retries = new Map<string, PendingRetry>();
  #isStopped = false;

  constructor(dependencies: CrlPublisherDependencies) {
    this.#deps = dependencies;
    this.#now = dependencies.now ?? (() => new Date());
  }

  /** Signs and stores a new CRL for the CA; concurrent calls coalesce. */
  publish(ctx: RequestContext, caId: string): Promise<PublishedCrl> {
    const state = this.#inFlight.get(caId);
    if (!state) {
      const running = this.#publishNow(ctx, caId).finally(() => this.#advance(caId));
      this.#inFlight.set(caId, { running, queued: null });
      return running;
    }
    if (!state.queued) {
      state.queued = state.running.catch(() => undefined).then(() => this.#publishNow(ctx, caId));
    }
    return state.queued;
  }

  /**
   * Publishes the CA's CRL if a committed revocation is not on it yet; never throws. A
   * failure schedules a retry (and keeps retrying) and is answered with its time.
   */
  async ensurePublished(ctx: RequestContext, caId: string): Promise<CrlPublication> {
    if (!this.#isBehind(caId)) return this.#published(caId);
    try {
      // A publication that starts after the caller's revocation committed lists it; one
      // committed since is the business of its own revocation's call.
      const crl = await this.publish(ctx, caId);
      if (!this.#isBehind(caId)) this.#clearRetry(caId);
      return { published: true, crlNumber: crl.crlNumber };
    } catch (error) {
      this.#deps.log.warn({ err: error, caId }, 'CRL publication failed; retrying');
      return { published: false, retryAt: this.#scheduleRetry(caId).toISOString() };
    }
  }

  /** At boot: every CA whose CRL misses a committed revocation is republished (in the background). */
  resumePending(): Promise<CrlPublication[]> {
    const ctx = retryContext();
    return Promise.all(this.#deps.cas.listStaleCrlIds().map((caId) => this.ensurePublished(ctx, caId)));
  }

  /** CAs whose CRL misses a committed revocation (a retry is scheduled for each). */
  pendingCaIds(): string[] {
    return this.#deps.cas.listStaleCrlIds();
  }

  #isBehind(caId: string): boolean {
    if (!this.#deps.cas.listStaleCrlIds().includes(caId)) return false;
    const record = this.#deps.directory.get(caId);
    if (this.#deps.kms.findKey(record.row.keyId)?.state === 'destroyed') {
      this.#deps.log.error({ caId }, "the CA's signing key is destroyed: its CRL cannot be re-signed");
      return false;
    }
    return true;
  }

  #published(caId: string): CrlPublication {
    return { published: true, crlNumber: this.#deps.crls.findLatest(caId)?.crlNumber ?? 0 };
  }

  #scheduleRetry(caId: string): Date {
    const existing = this.#retries.get(caId);
    if (existing) return existing.retryAt;
    return this.#armRetry(caId, 0);
  }

  #armRetry(caId: string, attempt: number): Date {
    const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)] ?? 300_000;
    const retryAt = new Date(this.#now().getTime() + delay);
    if (this.#isStopped) return retryAt;
    const timer = setTimeout(() => {
      void this.#retry(caId, attempt);
    }, delay);
    timer.unref();
    this.#retries.set(caId, { attempt, retryAt, timer });
    return retryAt;
  }

  async #retry(caId: string, attempt: number): Promise<void> {
    this.#retries.delete(caId);
    if (this.#isStopped) return;
    try {
      if (!this.#isBehind(caId)) return;
      await this.publish(retryContext(), caId);
      if (this.#isBehind(caId)) this.#armRetry(caId, 0);
    } catch (error) {
      if (this.#isStopped) return;
      this.#deps.log.warn({ err: error, caId, attempt: attempt + 1 }, 'CRL publication retry failed');
      this.#armRetry(caId, attempt + 1);
    }
  }

  #clearRetry(caId: string): void {
    const pending = this.#retries.get(caId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#retries.delete(caId);
  }

  #advance(caId: string): void {
    const state = this.#inFlight.get(caId);
    if (!state) return;
    if (state.queued) {
      const running = state.queued.finally(() => this.#advance(caId));
      this.#inFlight.set(caId, { running, queued: null });
    } else {
      this.#inFlight.delete(caId);
    }
  }

  async #publishNow(ctx: RequestContext, caId: string): Promise<PublishedCrl> {
    return this.#deps.audit.run(
      ctx,
      { operation: PKI_AUDIT_OPERATIONS.publishCrl, entityType: 'crl' },
      async (step) => {
        const record = this.#deps.directory.get(caId);
        step.details.caId = record.row.id;
        if (!record.issuer) throw pkiErrors.caNotActive(record.row.name, record.row.status);
        const issuer = record.issuer;
        const crlNumber = this.#deps.cas.lastCrlNumber(record.row.id) + 1;
        // Read with the entries, in the same synchronous step: every revocation counted in
        // this revision is among them.
        const revision = this.#deps.cas.crlRevision(record.row.id);
        const thisUpdate = new Date(Math.floor(this.#now().getTime() / 1000) * 1000);
        const nextUpdate = new Date(thisUpdate.getTime() + this.#deps.validitySeconds * 1000);
        const entries: CrlEntry[] = this.#deps.certificates
          .listRevokedUnexpired(record.row.id, thisUpdate)
          .map((revoked) => ({
            serialHex: revoked.serialHex,
            revokedAt: revoked.revokedAt,
            reason: revoked.revocationReason,
          }));
        const { tbs, entryCount } = encodeTbsCertList({
          signatureAlgorithm: issuer.signatureAlgorithm.algorithmIdentifier,
          issuerName: issuer.nameDer,
          issuerKeyIdentifier: issuer.keyIdentifier,
          crlNumber,
          thisUpdate,
          nextUpdate,
          entries,
        });
        const signature = await signTbs(this.#deps.kms, ctx, issuer.keyId, issuer.signatureAlgorithm, tbs);
        const crlDer = assembleCrl(tbs, issuer.signatureAlgorithm.algorithmIdentifier, signature);
        Object.assign(step.details, {
          crlNumber,
          entryCount,
          sizeBytes: crlDer.length,
          nextUpdate: nextUpdate.toISOString(),
        });
        await step.commit(record.row.id, () => {
          this.#deps.cas.recordCrlNumber(record.row.id, crlNumber);
          this.#deps.cas.recordCrlPublishedRevision(record.row.id, revision);
          this.#deps.crls.replaceLatest({
            caId: record.row.id,
            crlNumber,
            thisUpdate,
            nextUpdate,
            entryCount,
            der: Buffer.from(crlDer),
          });
        });
        this.#deps.directory.invalidate(record.row.id);
        return { caId: record.row.id, crlNumber, thisUpdate, nextUpdate, entryCount, der: crlDer };
      },
    );
  }

  /**
   * The current CRL (DER), published first if there is none or it is past nextUpdate; `ctx`
   * is the request that asked, whose id the publication's rows then carry.
   */
  async getCrl(ctx: RequestContext, caRef: string): Promise<Uint8Array> {
    const caId = this.#deps.directory.get(caRef).row.id;
    const latest = this.#deps.crls.findLatest(caId);
    if (latest && latest.nextUpdate.getTime() > this.#now().getTime()) return latest.der;
    return (await this.publish(ctx, caId)).der;
  }

  async getCrlPem(ctx: RequestContext, caRef: string): Promise<string> {
    return toPem('X509 CRL', await this.getCrl(ctx, caRef));
  }

  /** Republishes every CA whose CRL has used more than half of its validity. */
  async refreshDue(): Promise<number> {
    const now = this.#now().getTime();
    const halfLife = (this.#deps.validitySeconds * 1000) / 2;
    const ctx = schedulerContext();
    let published = 0;
    for (const record of this.#deps.directory.list()) {
      if (record.row.status !== 'active' || !record.certificate) continue;
      const latest = this.#deps.crls.findLatest(record.row.id);
      if (latest && latest.nextUpdate.getTime() - now > halfLife) continue;
      try {
        await this.publish(ctx, record.row.id);
        published++;
      } catch (error) {
        this.#deps.log.error({ err: error, caId: record.row.id }, 'scheduled CRL publication failed');
      }
    }
    return published;
  }

  /** Checks every `intervalMs` (default: a tenth of the validity, at most 10 minutes); returns `stop`. */
  startCrlScheduler(options: { intervalMs?: number } = {}): () => void {
    this.stop();
    const intervalMs = options.intervalMs ?? Math.min((this.#deps.validitySeconds * 1000) / 10, 600_000);
    const tick = () => {
      this.refreshDue().catch((error: unknown) => this.#deps.log.error({ err: error }, 'CRL scheduler tick failed'));
    };
    this.#timer = setInterval(tick, intervalMs);
    this.#timer.unref();
    tick();
    return () => this.stop();
  }

  /** Stops the scheduler and the retries (the app is closing). */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  close(): void {
    this.stop();
    this.#isStopped = true;
    for (const pending of this.#retries.values()) clearTimeout(pending.timer);
    this.#retries.clear();
  }
}

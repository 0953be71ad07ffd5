/**
 * Publishes each CA's full CRL: on every revocation, and from a scheduler well before
 * nextUpdate (PKI_CRL_VALIDITY). The DER is cached in the `crls` table, so serving it
 * costs a row read. Publications of one CA are serialized and coalesced: a burst of
 * revocations while a CRL is being signed produces one more CRL, not one per revocation.
 * Expired certificates are left out (RFC 5280 §3.3 allows it; it keeps CRLs small).
 */
import type Database from 'better-sqlite3';
import { eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';

import type { RevocationReason } from '@pki/shared';

import type { AppDatabase } from '../db/client.js';
import { certificateAuthorities, crls } from '../db/schema.js';
import { systemContext } from '../request-context.js';
import type { RequestContext } from '../request-context.js';
import type { CaDirectory } from './ca-directory.js';
import { assembleCrl, encodeTbsCertList } from './crl-builder.js';
import type { CrlEntry } from './crl-builder.js';
import { pkiErrors } from './errors.js';
import { signTbs } from './kms-signer.js';
import type { PkiKms } from './kms-signer.js';
import { toPem } from './pem.js';
import type { AuditLog } from '../audit/audit-log.js';
import { PKI_AUDIT_OPERATIONS } from './audit-operations.js';

export interface CrlPublisherDependencies {
  db: AppDatabase;
  sqlite: Database.Database;
  kms: PkiKms;
  audit: AuditLog;
  directory: CaDirectory;
  /** PKI_CRL_VALIDITY in seconds: nextUpdate − thisUpdate. */
  validitySeconds: number;
  log: Logger;
  now?: () => Date;
}

export interface PublishedCrl {
  caId: string;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  entryCount: number;
  der: Uint8Array;
}

const SCHEDULER_CONTEXT: RequestContext = systemContext('crl-scheduler');

interface RevokedRow {
  serial_hex: string;
  revoked_at: number;
  revocation_reason: RevocationReason | null;
}

export class CrlPublisher {
  readonly #deps: CrlPublisherDependencies;
  readonly #now: () => Date;
  readonly #selectRevoked: Database.Statement<[string, number], RevokedRow>;
  /** Per CA: the publication running and the one queued behind it. */
  readonly #inFlight = new Map<string, { running: Promise<PublishedCrl>; queued: Promise<PublishedCrl> | null }>();
  #timer: NodeJS.Timeout | null = null;

  constructor(dependencies: CrlPublisherDependencies) {
    this.#deps = dependencies;
    this.#now = dependencies.now ?? (() => new Date());
    this.#selectRevoked = dependencies.sqlite.prepare(
      `SELECT serial_hex, revoked_at, revocation_reason FROM certificates
       WHERE ca_id = ? AND status = 'revoked' AND not_after > ?`,
    );
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
        const current = this.#deps.db
          .select({ crlNumber: certificateAuthorities.crlNumber })
          .from(certificateAuthorities)
          .where(eq(certificateAuthorities.id, record.row.id))
          .get();
        const crlNumber = (current?.crlNumber ?? 0) + 1;
        const thisUpdate = new Date(Math.floor(this.#now().getTime() / 1000) * 1000);
        const nextUpdate = new Date(thisUpdate.getTime() + this.#deps.validitySeconds * 1000);
        const rows = this.#selectRevoked.all(record.row.id, thisUpdate.getTime());
        const entries: CrlEntry[] = rows.map((row) => ({
          serialHex: row.serial_hex,
          revokedAt: new Date(row.revoked_at),
          reason: row.revocation_reason,
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
          this.#deps.db
            .update(certificateAuthorities)
            .set({ crlNumber: sql`max(${certificateAuthorities.crlNumber}, ${crlNumber})` })
            .where(eq(certificateAuthorities.id, record.row.id))
            .run();
          this.#deps.db
            .insert(crls)
            .values({ caId: record.row.id, crlNumber, thisUpdate, nextUpdate, entryCount, der: crlDer })
            .onConflictDoUpdate({
              target: crls.caId,
              set: { crlNumber, thisUpdate, nextUpdate, entryCount, der: crlDer },
            })
            .run();
        });
        this.#deps.directory.invalidate(record.row.id);
        return { caId: record.row.id, crlNumber, thisUpdate, nextUpdate, entryCount, der: crlDer };
      },
    );
  }

  /** The current CRL (DER), published first if there is none or it is past nextUpdate. */
  async getCrl(caRef: string): Promise<Uint8Array> {
    const caId = this.#deps.directory.get(caRef).row.id;
    const cached = this.#deps.db.select().from(crls).where(eq(crls.caId, caId)).get();
    if (cached && cached.nextUpdate.getTime() > this.#now().getTime()) return cached.der;
    return (await this.publish(SCHEDULER_CONTEXT, caId)).der;
  }

  async getCrlPem(caRef: string): Promise<string> {
    return toPem('X509 CRL', await this.getCrl(caRef));
  }

  /** Republishes every CA whose CRL has used more than half of its validity. */
  async refreshDue(): Promise<number> {
    const now = this.#now().getTime();
    const halfLife = (this.#deps.validitySeconds * 1000) / 2;
    let published = 0;
    for (const record of this.#deps.directory.list()) {
      if (record.row.status !== 'active' || !record.certificate) continue;
      const cached = this.#deps.db
        .select({ nextUpdate: crls.nextUpdate })
        .from(crls)
        .where(eq(crls.caId, record.row.id))
        .get();
      if (cached && cached.nextUpdate.getTime() - now > halfLife) continue;
      try {
        await this.publish(SCHEDULER_CONTEXT, record.row.id);
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

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}

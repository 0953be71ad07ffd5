/**
 * `certificate_authorities`: our CAs, active, pending (a sub-CA waiting for its externally
 * signed certificate) or revoked, and each CA's last CRL number. Each method is one
 * synchronous unit of work, so it can run inside an audited operation's transaction
 * (audit/audit-log.ts `commit`).
 */
import { and, eq, gt, isNotNull, sql } from 'drizzle-orm';

import type { RevocationReason } from '@pki/shared';

import type { DatabaseHandle } from './client.js';
import { certificateAuthorities } from './schema.js';

export type CaRow = typeof certificateAuthorities.$inferSelect;
export type NewCa = Omit<
  typeof certificateAuthorities.$inferInsert,
  'createdAt' | 'crlNumber' | 'crlRevision' | 'crlPublishedRevision'
>;

/** What an externally signed certificate tells of the pending CA it completes. */
export interface SignedCaCertificate {
  certificateDer: Buffer;
  serialHex: string;
  subjectDn: string;
  notBefore: Date;
  notAfter: Date;
  pathLength: number | null;
  issuerChainPem: string | null;
}

export interface CaRepository {
  insert(ca: NewCa): void;
  findById(id: string): CaRow | undefined;
  findByName(name: string): CaRow | undefined;
  /** Every CA, in no particular order. */
  listAll(): CaRow[];
  /** The CAs directly below `parentId`. */
  listChildren(parentId: string): CaRow[];
  /** The sub-CA whose certificate `parentId` signed with that serial, if the serial is a CA's. */
  findChildBySerial(parentId: string, serialHex: string): CaRow | undefined;
  /** The CAs whose signatures the key makes. */
  listIdsByKey(keyId: string): string[];
  /** Completes a pending CA with its certificate and makes it active. */
  activateWithCertificate(id: string, certificate: SignedCaCertificate): void;
  markRevoked(id: string, reason: RevocationReason, revokedAt: Date): void;
  /** The number of the CA's last published CRL; 0 before the first. */
  lastCrlNumber(id: string): number;
  /** Records a published CRL number; a lower one than recorded never lowers it. */
  recordCrlNumber(id: string, crlNumber: number): void;
  /** In a revocation's transaction: the CA's CRL must be re-signed to list it. */
  markCrlStale(id: string): void;
  /** The CA's current CRL revision, read when a CRL's entries are read. */
  crlRevision(id: string): number;
  /** The CRL built from `revision` is stored; a lower one never lowers it. */
  recordCrlPublishedRevision(id: string, revision: number): void;
  /** CAs with a certificate whose CRL misses a committed revocation. */
  listStaleCrlIds(): string[];
}

export class SqliteCaRepository implements CaRepository {
  readonly #database: DatabaseHandle;

  constructor(database: DatabaseHandle) {
    this.#database = database;
  }

  insert(ca: NewCa): void {
    this.#database.db.insert(certificateAuthorities).values(ca).run();
  }

  findById(id: string): CaRow | undefined {
    return this.#database.db.select().from(certificateAuthorities).where(eq(certificateAuthorities.id, id)).get();
  }

  findByName(name: string): CaRow | undefined {
    return this.#database.db.select().from(certificateAuthorities).where(eq(certificateAuthorities.name, name)).get();
  }

  listAll(): CaRow[] {
    return this.#database.db.select().from(certificateAuthorities).all();
  }

  listChildren(parentId: string): CaRow[] {
    return this.#database.db
      .select()
      .from(certificateAuthorities)
      .where(eq(certificateAuthorities.parentId, parentId))
      .all();
  }

  findChildBySerial(parentId: string, serialHex: string): CaRow | undefined {
    return this.#database.db
      .select()
      .from(certificateAuthorities)
      .where(and(eq(certificateAuthorities.parentId, parentId), eq(certificateAuthorities.serialHex, serialHex)))
      .get();
  }

  listIdsByKey(keyId: string): string[] {
    return this.#database.db
      .select({ id: certificateAuthorities.id })
      .from(certificateAuthorities)
      .where(eq(certificateAuthorities.keyId, keyId))
      .all()
      .map((row) => row.id);
  }

  activateWithCertificate(id: string, certificate: SignedCaCertificate): void {
    this.#database.db
      .update(certificateAuthorities)
      .set({ ...certificate, status: 'active' })
      .where(eq(certificateAuthorities.id, id))
      .run();
  }

  markRevoked(id: string, reason: RevocationReason, revokedAt: Date): void {
    this.#database.db
      .update(certificateAuthorities)
      .set({ status: 'revoked', revocationReason: reason, revokedAt })
      .where(eq(certificateAuthorities.id, id))
      .run();
  }

  lastCrlNumber(id: string): number {
    const row = this.#database.db
      .select({ crlNumber: certificateAuthorities.crlNumber })
      .from(certificateAuthorities)
      .where(eq(certificateAuthorities.id, id))
      .get();
    return row?.crlNumber ?? 0;
  }

  recordCrlNumber(id: string, crlNumber: number): void {
    this.#database.db
      .update(certificateAuthorities)
      .set({ crlNumber: sql`max(${certificateAuthorities.crlNumber}, ${crlNumber})` })
      .where(eq(certificateAuthorities.id, id))
      .run();
  }

  markCrlStale(id: string): void {
    this.#database.db
      .update(certificateAuthorities)
      .set({ crlRevision: sql`${certificateAuthorities.crlRevision} + 1` })
      .where(eq(certificateAuthorities.id, id))
      .run();
  }

  crlRevision(id: string): number {
    const row = this.#database.db
      .select({ crlRevision: certificateAuthorities.crlRevision })
      .from(certificateAuthorities)
      .where(eq(certificateAuthorities.id, id))
      .get();
    return row?.crlRevision ?? 0;
  }

  recordCrlPublishedRevision(id: string, revision: number): void {
    this.#database.db
      .update(certificateAuthorities)
      .set({ crlPublishedRevision: sql`max(${certificateAuthorities.crlPublishedRevision}, ${revision})` })
      .where(eq(certificateAuthorities.id, id))
      .run();
  }

  listStaleCrlIds(): string[] {
    return this.#database.db
      .select({ id: certificateAuthorities.id })
      .from(certificateAuthorities)
      .where(
        and(
          isNotNull(certificateAuthorities.certificateDer),
          gt(certificateAuthorities.crlRevision, certificateAuthorities.crlPublishedRevision),
        ),
      )
      .all()
      .map((row) => row.id);
  }
}

/**
 * `certificates`: every certificate a CA of ours signed (the CA certificates it signed
 * included). Each method is one synchronous unit of work, so it can run inside an audited
 * operation's transaction (audit/audit-log.ts `commit`). The statements the issuance and
 * OCSP paths run on every request are prepared once.
 */
import type Database from 'better-sqlite3';
import { and, desc, eq, getTableColumns, gt, inArray, sql } from 'drizzle-orm';

import type { CertificateStatus, KeyAlgorithm, RevocationReason } from '@pki/shared';

import { buildCertificatePageQuery, searchPlanFor } from './certificate-page-query.js';
import type { CertificateListRow, CertificatePage, CertificatePageQuery } from './certificate-page-query.js';
import type { DatabaseHandle } from './client.js';
import { certificates } from './schema.js';

export type CertificateRow = typeof certificates.$inferSelect;

/** A freshly signed certificate; it is stored active. */
export interface IssuedCertificateRow {
  id: string;
  caId: string;
  serialHex: string;
  subjectDn: string;
  commonName: string | null;
  sans: readonly string[];
  profile: string;
  notBefore: Date;
  notAfter: Date;
  der: Uint8Array;
  /** Set when the key pair was generated in the key store for this certificate. */
  keyId: string | null;
  keyAlgorithm: KeyAlgorithm | null;
  createdAt: Date;
}

export interface CertificateStatusRow {
  status: CertificateStatus;
  revocationReason: RevocationReason | null;
  revokedAt: Date | null;
}

export interface RevokedEntry {
  serialHex: string;
  revokedAt: Date;
  revocationReason: RevocationReason | null;
}

export type { CertificateListRow, CertificatePageQuery, CertificatePage } from './certificate-page-query.js';

/** Two certificates of one CA drew the same serial; the issuer draws again. */
export class DuplicateSerialError extends Error {
  constructor(serialHex: string, options?: ErrorOptions) {
    super(`serial ${serialHex} is already taken by this CA`, options);
    this.name = 'DuplicateSerialError';
  }
}

export interface CertificateRepository {
  /** Throws DuplicateSerialError when the CA already holds the serial. */
  insertIssued(certificate: IssuedCertificateRow): void;
  findById(id: string): CertificateRow | undefined;
  findBySerial(caId: string, serialHex: string): CertificateRow | undefined;
  /** What OCSP answers about a serial; undefined when the CA never issued it. */
  findStatus(caId: string, serialHex: string): CertificateStatusRow | undefined;
  /** Revokes an active certificate; false when it was not active. */
  markRevoked(id: string, reason: RevocationReason, revokedAt: Date): boolean;
  /** Revokes the active certificate of a serial; how many were revoked (0 or 1). */
  markRevokedBySerial(caId: string, serialHex: string, reason: RevocationReason, revokedAt: Date): number;
  /** Revokes every active certificate a CA issued; how many. */
  markAllRevokedOf(caId: string, reason: RevocationReason, revokedAt: Date): number;
  /** Revoked certificates of a CA that are still unexpired at `at`: the CRL's entries. */
  listRevokedUnexpired(caId: string, at: Date): RevokedEntry[];
  /** Active certificates of a profile a CA issued that outlive `notAfterAfter`, the longest-lived first. */
  listActiveOfProfile(caId: string, profile: string, notAfterAfter: Date): CertificateRow[];
  /** Active, unexpired certificates issued by any of the CAs. */
  countLiveIssuedBy(caIds: readonly string[], now: Date): number;
  /** One page of the inventory, keyset-paged per sort (db/certificate-page-query.ts). */
  listPage(query: CertificatePageQuery): CertificatePage;
  /** Every row of a filter, in its sort order, a batch at a time (the CSV export). */
  iterateAll(query: Omit<CertificatePageQuery, 'cursor' | 'limit'>, batchSize?: number): Generator<CertificateListRow>;
  /** SQLite's plan for a page query, one detail line per step (tests prove index use with it). */
  explainPage(query: CertificatePageQuery): string[];
}

interface StatusRecord {
  status: CertificateStatus;
  revocation_reason: RevocationReason | null;
  revoked_at: number | null;
}

interface RevokedRecord {
  serial_hex: string;
  revoked_at: number;
  revocation_reason: RevocationReason | null;
}

export class SqliteCertificateRepository implements CertificateRepository {
  readonly #database: DatabaseHandle;
  readonly #insertIssued: Database.Statement;
  readonly #selectStatus: Database.Statement<[string, string], StatusRecord>;
  readonly #selectRevoked: Database.Statement<[string, number], RevokedRecord>;
  readonly #countSearchMatches: Database.Statement<[string, number], { matches: number }>;

  constructor(database: DatabaseHandle) {
    this.#database = database;
    this.#insertIssued = database.sqlite.prepare(
      `INSERT INTO certificates (id, ca_id, serial_hex, subject_dn, common_name, sans, profile, not_before, not_after, der, status, key_id, key_algorithm, created_at)
       VALUES (@id, @caId, @serialHex, @subjectDn, @commonName, @sans, @profile, @notBefore, @notAfter, @der, 'active', @keyId, @keyAlgorithm, @createdAt)`,
    );
    this.#selectStatus = database.sqlite.prepare(
      'SELECT status, revocation_reason, revoked_at FROM certificates WHERE ca_id = ? AND serial_hex = ?',
    );
    this.#countSearchMatches = database.sqlite.prepare(
      'SELECT count(*) AS matches FROM (SELECT 1 FROM certificates_search WHERE certificates_search MATCH ? LIMIT ?)',
    );
    this.#selectRevoked = database.sqlite.prepare(
      `SELECT serial_hex, revoked_at, revocation_reason FROM certificates
       WHERE ca_id = ? AND status = 'revoked' AND not_after > ?`,
    );
  }

  insertIssued(certificate: IssuedCertificateRow): void {
    try {
      this.#insertIssued.run({
        id: certificate.id,
        caId: certificate.caId,
        serialHex: certificate.serialHex,
        subjectDn: certificate.subjectDn,
        commonName: certificate.commonName,
        sans: JSON.stringify(certificate.sans),
        profile: certificate.profile,
        notBefore: certificate.notBefore.getTime(),
        notAfter: certificate.notAfter.getTime(),
        der: certificate.der,
        keyId: certificate.keyId,
        keyAlgorithm: certificate.keyAlgorithm,
        createdAt: certificate.createdAt.getTime(),
      });
    } catch (error) {
      if (isSerialConstraint(error)) throw new DuplicateSerialError(certificate.serialHex, { cause: error });
      throw error;
    }
  }

  findById(id: string): CertificateRow | undefined {
    return this.#database.db.select().from(certificates).where(eq(certificates.id, id)).get();
  }

  findBySerial(caId: string, serialHex: string): CertificateRow | undefined {
    return this.#database.db
      .select()
      .from(certificates)
      .where(and(eq(certificates.caId, caId), eq(certificates.serialHex, serialHex)))
      .get();
  }

  findStatus(caId: string, serialHex: string): CertificateStatusRow | undefined {
    const row = this.#selectStatus.get(caId, serialHex);
    if (row === undefined) return undefined;
    return {
      status: row.status,
      revocationReason: row.revocation_reason,
      revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    };
  }

  markRevoked(id: string, reason: RevocationReason, revokedAt: Date): boolean {
    return (
      this.#database.db
        .update(certificates)
        .set({ status: 'revoked', revocationReason: reason, revokedAt })
        .where(and(eq(certificates.id, id), eq(certificates.status, 'active')))
        .run().changes > 0
    );
  }

  markRevokedBySerial(caId: string, serialHex: string, reason: RevocationReason, revokedAt: Date): number {
    return this.#database.db
      .update(certificates)
      .set({ status: 'revoked', revocationReason: reason, revokedAt })
      .where(and(eq(certificates.caId, caId), eq(certificates.serialHex, serialHex), eq(certificates.status, 'active')))
      .run().changes;
  }

  markAllRevokedOf(caId: string, reason: RevocationReason, revokedAt: Date): number {
    return this.#database.db
      .update(certificates)
      .set({ status: 'revoked', revocationReason: reason, revokedAt })
      .where(and(eq(certificates.caId, caId), eq(certificates.status, 'active')))
      .run().changes;
  }

  listRevokedUnexpired(caId: string, at: Date): RevokedEntry[] {
    return this.#selectRevoked.all(caId, at.getTime()).map((row) => ({
      serialHex: row.serial_hex,
      revokedAt: new Date(row.revoked_at),
      revocationReason: row.revocation_reason,
    }));
  }

  listActiveOfProfile(caId: string, profile: string, notAfterAfter: Date): CertificateRow[] {
    return this.#database.db
      .select()
      .from(certificates)
      .where(
        and(
          eq(certificates.caId, caId),
          eq(certificates.profile, profile),
          eq(certificates.status, 'active'),
          gt(certificates.notAfter, notAfterAfter),
        ),
      )
      .orderBy(desc(certificates.notAfter))
      .all();
  }

  countLiveIssuedBy(caIds: readonly string[], now: Date): number {
    if (caIds.length === 0) return 0;
    const row = this.#database.db
      .select({ count: sql<number>`count(*)` })
      .from(certificates)
      .where(
        and(inArray(certificates.caId, [...caIds]), eq(certificates.status, 'active'), gt(certificates.notAfter, now)),
      )
      .get();
    return row?.count ?? 0;
  }

  listPage(query: CertificatePageQuery): CertificatePage {
    const { statement, cursorOf } = this.#pageStatement(query);
    const rows = statement.all();
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { rows: page, nextCursor: rows.length > query.limit && last ? cursorOf(last) : null };
  }

  #pageStatement(query: CertificatePageQuery) {
    const searchPlan = searchPlanFor(
      query.search,
      (match, bound) => this.#countSearchMatches.get(match, bound)?.matches ?? 0,
    );
    const { where, orderBy, cursorOf } = buildCertificatePageQuery(query, searchPlan);
    // Without the DER, the rows a page has to sort (a rare term's matches, a range) stay small.
    const { der: _der, ...listColumns } = getTableColumns(certificates);
    const statement = this.#database.db
      .select(listColumns)
      .from(certificates)
      .where(where)
      .orderBy(...orderBy)
      .limit(query.limit + 1);
    return { statement, cursorOf };
  }

  *iterateAll(query: Omit<CertificatePageQuery, 'cursor' | 'limit'>, batchSize = 1000): Generator<CertificateListRow> {
    let cursor: CertificatePageQuery['cursor'];
    for (;;) {
      const page = this.listPage({ ...query, limit: batchSize, ...(cursor ? { cursor } : {}) });
      yield* page.rows;
      if (page.nextCursor === null) return;
      cursor = page.nextCursor;
    }
  }

  explainPage(query: CertificatePageQuery): string[] {
    const statement = this.#pageStatement(query).statement.toSQL();
    const plan = this.#database.sqlite.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`).all(...statement.params) as {
      detail: string;
    }[];
    return plan.map((step) => step.detail);
  }
}

function isSerialConstraint(error: unknown): boolean {
  return (
    error instanceof Error &&
    'code' in error &&
    error.code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    error.message.includes('serial_hex')
  );
}

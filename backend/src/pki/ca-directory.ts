/**
 * Reads CAs with what signing needs (key algorithm, parsed certificate, issuer context)
 * and keeps them in memory: the issuer's encoded name, AKI, CRL DP and AIA are computed
 * once per CA, not once per certificate. Every CA change goes through `invalidate`.
 */
import { eq } from 'drizzle-orm';

import type { KeyAlgorithm } from '@pki/shared';

import type { AppDatabase } from '../db/client.js';
import { certificateAuthorities, kmsKeys } from '../db/schema.js';
import { parseCertificateDer } from './certificate-parser.js';
import type { ParsedCertificate } from './certificate-parser.js';
import { issuerContextFromCertificate } from './certificate-template.js';
import type { IssuerContext, PublicEndpoints } from './certificate-template.js';
import { pkiErrors } from './errors.js';

export type CaRow = typeof certificateAuthorities.$inferSelect;

export interface CaRecord {
  row: CaRow;
  keyAlgorithm: KeyAlgorithm;
  keySpki: Buffer;
  /** Null while a sub-CA waits for its externally signed certificate. */
  certificate: ParsedCertificate | null;
  issuer: IssuerContext | null;
}

export class CaDirectory {
  readonly #db: AppDatabase;
  readonly #endpoints: PublicEndpoints | null;
  readonly #cache = new Map<string, CaRecord>();

  constructor(db: AppDatabase, endpoints: PublicEndpoints | null) {
    this.#db = db;
    this.#endpoints = endpoints;
  }

  /** By id or by unique name. */
  get(ref: string): CaRecord {
    const cached = this.#cache.get(ref);
    if (cached) return cached;
    const found =
      this.#select().where(eq(certificateAuthorities.id, ref)).get() ??
      this.#select().where(eq(certificateAuthorities.name, ref)).get();
    if (!found) throw pkiErrors.caNotFound(ref);
    const record = this.#toRecord(found.ca, found.algorithm, found.spki);
    this.#cache.set(record.row.id, record);
    return record;
  }

  /** The CA of `ref`, refused unless it is active and has its certificate. */
  getSigning(ref: string): CaRecord & { certificate: ParsedCertificate; issuer: IssuerContext } {
    const record = this.get(ref);
    if (record.row.status !== 'active' || !record.certificate || !record.issuer) {
      throw pkiErrors.caNotActive(record.row.name, record.row.status);
    }
    return record as CaRecord & { certificate: ParsedCertificate; issuer: IssuerContext };
  }

  list(): CaRecord[] {
    return this.#select()
      .all()
      .map((found) => this.#cache.get(found.ca.id) ?? this.#toRecord(found.ca, found.algorithm, found.spki));
  }

  invalidate(caId?: string): void {
    if (caId === undefined) this.#cache.clear();
    else this.#cache.delete(caId);
  }

  #select() {
    return this.#db
      .select({ ca: certificateAuthorities, algorithm: kmsKeys.algorithm, spki: kmsKeys.publicKeySpki })
      .from(certificateAuthorities)
      .innerJoin(kmsKeys, eq(kmsKeys.id, certificateAuthorities.keyId))
      .$dynamic();
  }

  #toRecord(row: CaRow, keyAlgorithm: KeyAlgorithm, keySpki: Buffer): CaRecord {
    const certificate = row.certificateDer ? parseCertificateDer(new Uint8Array(row.certificateDer)) : null;
    const issuer = certificate
      ? issuerContextFromCertificate({ id: row.id, keyId: row.keyId, keyAlgorithm, certificate }, this.#endpoints)
      : null;
    return { row, keyAlgorithm, keySpki, certificate, issuer };
  }
}

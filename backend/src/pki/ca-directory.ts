/**
 * Reads CAs with what signing needs (key algorithm, parsed certificate, issuer context)
 * and keeps them in memory: the issuer's encoded name, AKI, CRL DP and AIA are computed
 * once per CA, not once per certificate. Every CA change goes through `invalidate`.
 */
import type { KeyAlgorithm } from '@pki/shared';

import type { CaRepository, CaRow } from '../db/ca-repository.js';
import { parseCertificateDer } from './certificate-parser.js';
import type { ParsedCertificate } from './certificate-parser.js';
import { issuerContextFromCertificate } from './certificate-template.js';
import type { IssuerContext, PublicEndpoints } from './certificate-template.js';
import { pkiErrors } from './errors.js';
import type { PkiKms } from './kms-signer.js';

export type { CaRow } from '../db/ca-repository.js';

export interface CaRecord {
  row: CaRow;
  keyAlgorithm: KeyAlgorithm;
  keySpki: Buffer;
  /** Null while a sub-CA waits for its externally signed certificate. */
  certificate: ParsedCertificate | null;
  issuer: IssuerContext | null;
}

export class CaDirectory {
  readonly #cas: CaRepository;
  readonly #kms: Pick<PkiKms, 'findKey'>;
  readonly #endpoints: PublicEndpoints | null;
  readonly #cache = new Map<string, CaRecord>();

  constructor(cas: CaRepository, kms: Pick<PkiKms, 'findKey'>, endpoints: PublicEndpoints | null) {
    this.#cas = cas;
    this.#kms = kms;
    this.#endpoints = endpoints;
  }

  /** By id or by unique name. */
  get(ref: string): CaRecord {
    const cached = this.#cache.get(ref);
    if (cached) return cached;
    const row = this.#cas.findById(ref) ?? this.#cas.findByName(ref);
    const record = row === undefined ? undefined : this.#toRecord(row);
    if (!record) throw pkiErrors.caNotFound(ref);
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
    return this.#cas.listAll().flatMap((row) => {
      const record = this.#cache.get(row.id) ?? this.#toRecord(row);
      return record ? [record] : [];
    });
  }

  /** The sub-CA whose certificate `parentId` signed with that serial, if the serial is a CA's (read, not cached). */
  findChildBySerial(parentId: string, serialHex: string): CaRow | undefined {
    return this.#cas.findChildBySerial(parentId, serialHex);
  }

  invalidate(caId?: string): void {
    if (caId === undefined) this.#cache.clear();
    else this.#cache.delete(caId);
  }

  /** Undefined when the CA's key is not one of ours: such a row is no CA we can use. */
  #toRecord(row: CaRow): CaRecord | undefined {
    const key = this.#kms.findKey(row.keyId);
    if (key === undefined) return undefined;
    const certificate = row.certificateDer ? parseCertificateDer(new Uint8Array(row.certificateDer)) : null;
    const issuer = certificate
      ? issuerContextFromCertificate(
          { id: row.id, keyId: row.keyId, keyAlgorithm: key.algorithm, certificate },
          this.#endpoints,
        )
      : null;
    return { row, keyAlgorithm: key.algorithm, keySpki: key.publicKeySpki, certificate, issuer };
  }
}

/**
 * The storage the certificate authority's services work on, as interfaces: SQLite's
 * implementations here, another engine's beside them later. The composition root opens
 * them and hands them to pki/ (createPkiServices), which never sees the database itself.
 */
import { SqliteCaRepository } from './ca-repository.js';
import type { CaRepository } from './ca-repository.js';
import { SqliteCertificateRepository } from './certificate-repository.js';
import type { CertificateRepository } from './certificate-repository.js';
import type { DatabaseHandle } from './client.js';
import { SqliteCrlRepository } from './crl-repository.js';
import type { CrlRepository } from './crl-repository.js';

export interface PkiRepositories {
  cas: CaRepository;
  certificates: CertificateRepository;
  crls: CrlRepository;
}

export function openPkiRepositories(database: DatabaseHandle): PkiRepositories {
  return {
    cas: new SqliteCaRepository(database),
    certificates: new SqliteCertificateRepository(database),
    crls: new SqliteCrlRepository(database),
  };
}

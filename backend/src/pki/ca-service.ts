/**
 * The CA hierarchy: self-signed roots, intermediates signed by a root or another
 * intermediate, sub-CAs signed by an external root (CSR out, certificate in), revocation
 * with cascade, and the public artefacts (certificate, CRL). Every key is generated and
 * every signature made through KMSService; each operation leaves one audit row of its own.
 */
import { X509Certificate } from 'node:crypto';

import {
  CreateIntermediateCaInput,
  CreateRootCaInput,
  CreateSubordinateCsrInput,
  ImportSignedCertificateInput,
  RevokeCaInput,
} from '@pki/shared';
import type { CaSummary, CrlPublication, KeyAlgorithm, RevocationReason, RevokedCa, Subject } from '@pki/shared';

import type { AuditedOperation } from '../audit/audit-log.js';
import type { CaRepository } from '../db/ca-repository.js';
import type { CertificateRepository } from '../db/certificate-repository.js';
import type { RequestContext } from '../request-context.js';
import type { CaDirectory } from './ca-directory.js';
import { parseCertificatesPem } from './certificate-parser.js';
import { combinedPublication } from './crl-publisher.js';
import { checkIssuerLimits, selfIssuerContext, signCertificate } from './certificate-template.js';
import { toCaSummary } from './dto.js';
import { pkiErrors } from './errors.js';
import { parseInput } from './parse-input.js';
import { timeOrderedId } from './ids.js';
import { decodeNameDer, formatDn, commonNameOf, encodeName, subjectToAttributes } from './names.js';
import { issuerChainDer } from './issuer-chain.js';
import { chainPem, toPem } from './pem.js';
import { PKI_AUDIT_OPERATIONS } from './audit-operations.js';
import type { PkiServiceDependencies } from './service-dependencies.js';
import { applyProfile } from './profile-policy.js';
import { PROFILES, ROOT_CA_PROFILE } from './profiles.js';
import { buildSubordinateCsr } from './subordinate-csr.js';

export interface CaServiceDependencies extends PkiServiceDependencies {
  cas: CaRepository;
  certificates: CertificateRepository;
  /** Regenerates a CA's CRL after revocations (CrlPublisher.publish). */
  publishCrl: (ctx: RequestContext, caId: string) => Promise<CrlPublication>;
}

/** A revoked CA's certificates are revoked as CA compromise when its key is at fault, otherwise as cessation. */
function cascadeReason(reason: RevocationReason): RevocationReason {
  return reason === 'keyCompromise' || reason === 'cACompromise' ? 'cACompromise' : 'cessationOfOperation';
}

type SigningCa = ReturnType<CaDirectory['getSigning']>;

const CA_MAX_VALIDITY = { ...PROFILES['intermediate-ca'], maxValidityDays: ROOT_CA_PROFILE.maxValidityDays };

export class CaService {
  readonly #deps: CaServiceDependencies;
  readonly #now: () => Date;

  constructor(dependencies: CaServiceDependencies) {
    this.#deps = dependencies;
    this.#now = dependencies.now ?? (() => new Date());
  }

  list(): CaSummary[] {
    return this.#deps.directory.list().map(toCaSummary);
  }

  /** By id or unique name. */
  get(ref: string): CaSummary {
    return toCaSummary(this.#deps.directory.get(ref));
  }

  getCertificateDer(ref: string): Uint8Array {
    const record = this.#deps.directory.get(ref);
    if (!record.certificate) throw pkiErrors.caNotActive(record.row.name, record.row.status);
    return record.certificate.der;
  }

  getCertificatePem(ref: string): string {
    return toPem('CERTIFICATE', this.getCertificateDer(ref));
  }

  /** The CA's certificate followed by its issuers up to the root, PEM. */
  getChainPem(ref: string): string {
    return chainPem(issuerChainDer(this.#deps.directory, ref));
  }

  async createRoot(ctx: RequestContext, rawInput: CreateRootCaInput): Promise<CaSummary> {
    const input = parseInput(CreateRootCaInput, rawInput);
    return this.#createSignedCa(ctx, PKI_AUDIT_OPERATIONS.createRoot, input, () => ({
      parent: null,
      pathLength: null,
    }));
  }

  async createIntermediate(ctx: RequestContext, rawInput: CreateIntermediateCaInput): Promise<CaSummary> {
    const input = parseInput(CreateIntermediateCaInput, rawInput);
    return this.#createSignedCa(ctx, PKI_AUDIT_OPERATIONS.createIntermediate, input, (step) => {
      const parent = this.#deps.directory.getSigning(input.parentId);
      step.details.parentId = parent.row.id;
      const inherited = parent.issuer.pathLength === null ? null : parent.issuer.pathLength - 1;
      return { parent, pathLength: input.pathLength !== undefined ? input.pathLength : inherited };
    });
  }

  /**
   * A root (no parent: self-signed) or an intermediate (signed by its parent, which then
   * also lists the certificate among its own). Everything that needs no key is checked
   * before the key store is asked for one.
   */
  async #createSignedCa(
    ctx: RequestContext,
    operation: typeof PKI_AUDIT_OPERATIONS.createRoot | typeof PKI_AUDIT_OPERATIONS.createIntermediate,
    input: { name: string; subject: Subject; algorithm: KeyAlgorithm; validityDays: number },
    placeUnder: (step: AuditedOperation) => { parent: SigningCa | null; pathLength: number | null },
  ): Promise<CaSummary> {
    return this.#deps.audit.run(
      ctx,
      {
        operation,
        entityType: 'certificate_authority',
        details: { name: input.name, algorithm: input.algorithm, validityDays: input.validityDays },
      },
      async (step) => {
        this.#assertNameFree(input.name);
        const { parent, pathLength } = placeUnder(step);
        const caId = timeOrderedId();
        step.details.caId = caId;
        const draft = applyProfile({
          profile: parent ? CA_MAX_VALIDITY : ROOT_CA_PROFILE,
          keyAlgorithm: input.algorithm,
          subjectPublicKeyInfo: new Uint8Array(),
          subject: input.subject,
          validityDays: input.validityDays,
          pathLength,
          now: this.#now(),
        });
        if (parent) checkIssuerLimits(parent.issuer, draft);
        const key = await this.#generateCaKey(ctx, step, caId, input.algorithm);
        const plan = { ...draft, subjectPublicKeyInfo: key.publicKeySpki };
        const issuer =
          parent?.issuer ??
          selfIssuerContext({
            id: caId,
            keyId: key.id,
            keyAlgorithm: input.algorithm,
            subjectName: plan.subjectName,
            subjectPublicKeyInfo: key.publicKeySpki,
          });
        const signed = await signCertificate(this.#deps.kms, ctx, issuer, plan);
        step.details.serialHex = signed.serial.hex;
        const subjectDn = formatDn(plan.subjectAttributes);
        await step.commit(caId, () => {
          this.#deps.cas.insert({
            id: caId,
            name: input.name,
            parentId: parent?.row.id ?? null,
            keyId: key.id,
            subjectDn,
            certificateDer: signed.der,
            serialHex: signed.serial.hex,
            notBefore: plan.notBefore,
            notAfter: plan.notAfter,
            pathLength: plan.pathLength,
            status: 'active',
          });
          // The parent's own records (listing, CRL, OCSP) cover the CA certificate it signed.
          if (parent) {
            this.#deps.certificates.insertIssued({
              id: timeOrderedId(),
              caId: parent.row.id,
              serialHex: signed.serial.hex,
              subjectDn,
              commonName: commonNameOf(plan.subjectAttributes),
              sans: [],
              profile: 'intermediate-ca',
              keyAlgorithm: input.algorithm,
              notBefore: plan.notBefore,
              notAfter: plan.notAfter,
              der: signed.der,
              keyId: key.id,
              createdAt: this.#now(),
            });
          }
        });
        // The OCSP responder learns of a new issuer now, not at its next rate-limited index rebuild.
        this.#deps.events.statusChanged({ caId, serialHex: null });
        return this.get(caId);
      },
    );
  }

  /** A new CA key and its PKCS#10 request, to be signed by a root outside this system. */
  async createSubordinateCsr(
    ctx: RequestContext,
    rawInput: CreateSubordinateCsrInput,
  ): Promise<{ ca: CaSummary; csrPem: string }> {
    const input = parseInput(CreateSubordinateCsrInput, rawInput);
    return this.#deps.audit.run(
      ctx,
      {
        operation: PKI_AUDIT_OPERATIONS.createSubordinateCsr,
        entityType: 'certificate_authority',
        details: { name: input.name, algorithm: input.algorithm },
      },
      async (step) => {
        this.#assertNameFree(input.name);
        const attributes = subjectToAttributes(input.subject);
        const caId = timeOrderedId();
        step.details.caId = caId;
        const key = await this.#generateCaKey(ctx, step, caId, input.algorithm);
        const csrDer = await buildSubordinateCsr(this.#deps.kms, ctx, {
          keyId: key.id,
          keyAlgorithm: input.algorithm,
          subjectName: encodeName(attributes),
          subjectPublicKeyInfo: key.publicKeySpki,
        });
        await step.commit(caId, () =>
          this.#deps.cas.insert({
            id: caId,
            name: input.name,
            parentId: null,
            keyId: key.id,
            subjectDn: formatDn(attributes),
            status: 'pending',
          }),
        );
        return { ca: this.get(caId), csrPem: toPem('CERTIFICATE REQUEST', csrDer) };
      },
    );
  }

  /** Completes a pending sub-CA with the certificate the external root signed. */
  async importSignedCertificate(ctx: RequestContext, rawInput: ImportSignedCertificateInput): Promise<CaSummary> {
    const input = parseInput(ImportSignedCertificateInput, rawInput);
    return this.#deps.audit.run(
      ctx,
      { operation: PKI_AUDIT_OPERATIONS.importSignedCertificate, entityType: 'certificate_authority' },
      async (step) => {
        const record = this.#deps.directory.get(input.caId);
        step.details.caId = record.row.id;
        if (record.row.status !== 'pending')
          throw pkiErrors.importedCertificateMismatch(`CA ${record.row.name} is not waiting for a certificate`);
        const [certificate] = parseCertificatesPem(input.certificatePem);
        if (!certificate) throw pkiErrors.certificateMalformed('no CERTIFICATE PEM block');
        if (!Buffer.from(certificate.subjectPublicKeyInfo).equals(record.keySpki)) {
          throw pkiErrors.importedCertificateMismatch("its public key is not this CA's key");
        }
        if (!certificate.isCa)
          throw pkiErrors.importedCertificateMismatch('it is not a CA certificate (basicConstraints cA is false)');
        if (certificate.notAfter.getTime() <= this.#now().getTime())
          throw pkiErrors.importedCertificateMismatch('it has expired');
        const chain = input.issuerChainPem ? parseCertificatesPem(input.issuerChainPem) : [];
        const [issuerCertificate] = chain;
        if (issuerCertificate) {
          const issuerKey = new X509Certificate(Buffer.from(issuerCertificate.der)).publicKey;
          if (!new X509Certificate(Buffer.from(certificate.der)).verify(issuerKey)) {
            throw pkiErrors.importedCertificateMismatch(
              'its signature does not verify with the first certificate of the issuer chain',
            );
          }
        }
        step.details.serialHex = certificate.serialHex;
        await step.commit(record.row.id, () =>
          this.#deps.cas.activateWithCertificate(record.row.id, {
            certificateDer: Buffer.from(certificate.der),
            serialHex: certificate.serialHex,
            subjectDn: formatDn(decodeNameDer(certificate.subjectName)),
            notBefore: certificate.notBefore,
            notAfter: certificate.notAfter,
            pathLength: certificate.pathLength,
            issuerChainPem: chainPem(chain.map((item) => item.der)) || null,
          }),
        );
        this.#deps.directory.invalidate(record.row.id);
        this.#deps.events.statusChanged({ caId: record.row.id, serialHex: null });
        return this.get(record.row.id);
      },
    );
  }

  /**
   * Revokes a CA: its certificate on its parent's CRL, and everything it issued (its
   * sub-CAs too, recursively), then republishes the affected CRLs. Done once committed: a
   * CRL that cannot be re-signed now is retried (`crl` says when). Revoking a revoked CA
   * again with the same reason succeeds and makes sure the CRLs list it; with another
   * reason it is ALREADY_REVOKED.
   */
  async revoke(ctx: RequestContext, rawInput: RevokeCaInput): Promise<RevokedCa> {
    const input = parseInput(RevokeCaInput, rawInput);
    const affected: string[] = [];
    const summary = await this.#deps.audit.run(
      ctx,
      {
        operation: PKI_AUDIT_OPERATIONS.revokeCa,
        entityType: 'certificate_authority',
        details: { reason: input.reason },
      },
      async (step) => {
        if (input.reason === 'removeFromCRL') throw pkiErrors.reasonInvalid(input.reason);
        const record = this.#deps.directory.get(input.caId);
        step.details.caId = record.row.id;
        step.entityId = record.row.id;
        if (record.row.parentId) affected.push(record.row.parentId);
        if (record.row.status === 'revoked') {
          if (record.row.revocationReason !== input.reason) {
            throw pkiErrors.alreadyRevoked(
              `CA ${record.row.name} (as ${record.row.revocationReason ?? 'unspecified'})`,
            );
          }
          step.details.isRepeated = true;
          affected.push(record.row.id);
          return toCaSummary(record);
        }
        const now = this.#now();
        const counts = await step.commit(record.row.id, () =>
          this.#revokeTree(record.row.id, input.reason, now, affected),
        );
        step.details.revokedCas = counts.cas;
        step.details.revokedCertificates = counts.certificates;
        return toCaSummary({
          ...record,
          row: { ...record.row, status: 'revoked', revocationReason: input.reason, revokedAt: now },
        });
      },
    );
    for (const caId of new Set(affected)) {
      this.#deps.directory.invalidate(caId);
      this.#deps.events.statusChanged({ caId, serialHex: null });
    }
    const publications: CrlPublication[] = [];
    for (const caId of new Set(affected)) {
      const record = this.#deps.directory.get(caId);
      if (record.certificate) publications.push(await this.#deps.publishCrl(ctx, caId));
    }
    return { ...summary, crl: combinedPublication(publications) };
  }

  #revokeTree(
    caId: string,
    reason: RevocationReason,
    now: Date,
    affected: string[],
  ): { cas: number; certificates: number } {
    const { cas, certificates } = this.#deps;
    const ca = cas.findById(caId);
    if (!ca) return { cas: 0, certificates: 0 };
    affected.push(caId);
    cas.markRevoked(caId, reason, now);
    cas.markCrlStale(caId);
    let revokedCertificates = 0;
    if (ca.parentId && ca.serialHex) {
      revokedCertificates += certificates.markRevokedBySerial(ca.parentId, ca.serialHex, reason, now);
      cas.markCrlStale(ca.parentId);
    }
    revokedCertificates += certificates.markAllRevokedOf(caId, cascadeReason(reason), now);
    let revokedCas = 1;
    for (const child of cas.listChildren(caId)) {
      // A sub-CA revoked earlier keeps its own reason and date.
      if (child.status === 'revoked') continue;
      const counts = this.#revokeTree(child.id, cascadeReason(reason), now, affected);
      revokedCas += counts.cas;
      revokedCertificates += counts.certificates;
    }
    return { cas: revokedCas, certificates: revokedCertificates };
  }

  /** A CA's key: made in the key store, labelled after the CA, recorded in the audit step. */
  async #generateCaKey(ctx: RequestContext, step: AuditedOperation, caId: string, algorithm: KeyAlgorithm) {
    const key = await this.#deps.kms.generateKeyPair(ctx, {
      algorithm,
      label: `ca-${caId}`,
      purpose: 'ca',
      isExportable: false,
    });
    step.details.keyId = key.id;
    return key;
  }

  #assertNameFree(name: string): void {
    if (this.#deps.cas.findByName(name)) throw pkiErrors.caNameTaken(name);
  }
}

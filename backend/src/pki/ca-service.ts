/**
 * The CA hierarchy: self-signed roots, intermediates signed by a root or another
 * intermediate, sub-CAs signed by an external root (CSR out, certificate in), revocation
 * with cascade, and the public artefacts (certificate, CRL). Every key is generated and
 * every signature made through KMSService; each operation leaves one audit row of its own.
 */
import { X509Certificate } from 'node:crypto';

import { and, eq } from 'drizzle-orm';

import {
  CreateIntermediateCaInput,
  CreateRootCaInput,
  CreateSubordinateCsrInput,
  ImportSignedCertificateInput,
  RevokeCaInput,
} from '@pki/shared';
import type { CaSummary, KeyAlgorithm, RevocationReason } from '@pki/shared';

import type { AppDatabase } from '../db/client.js';
import { certificateAuthorities, certificates } from '../db/schema.js';
import type { RequestContext } from '../request-context.js';
import type { CaDirectory, CaRecord } from './ca-directory.js';
import { parseCertificatesPem } from './certificate-parser.js';
import { checkIssuerLimits, selfIssuerContext, signCertificate } from './certificate-template.js';
import { toCaSummary } from './dto.js';
import { pkiErrors } from './errors.js';
import { parseInput } from './parse-input.js';
import { timeOrderedId } from './ids.js';
import type { PkiKms } from './kms-signer.js';
import { decodeNameDer, formatDn, commonNameOf, encodeName, subjectToAttributes } from './names.js';
import { toPem } from './pem.js';
import type { AuditLog, AuditedOperation } from '../audit/audit-log.js';
import { PKI_AUDIT_OPERATIONS } from './audit-operations.js';
import type { PkiEvents } from './pki-events.js';
import { applyProfile } from './profile-policy.js';
import { PROFILES, ROOT_CA_PROFILE } from './profiles.js';
import { buildSubordinateCsr } from './subordinate-csr.js';

export interface CaServiceDependencies {
  db: AppDatabase;
  kms: PkiKms;
  audit: AuditLog;
  directory: CaDirectory;
  events: PkiEvents;
  /** Regenerates a CA's CRL after revocations (CrlPublisher.publish). */
  publishCrl: (ctx: RequestContext, caId: string) => Promise<unknown>;
  now?: () => Date;
}

/** A revoked CA's certificates are revoked as CA compromise when its key is at fault, otherwise as cessation. */
function cascadeReason(reason: RevocationReason): RevocationReason {
  return reason === 'keyCompromise' || reason === 'cACompromise' ? 'cACompromise' : 'cessationOfOperation';
}

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
    const pems: string[] = [];
    for (let record: CaRecord | null = this.#deps.directory.get(ref); record;) {
      if (record.certificate) pems.push(toPem('CERTIFICATE', record.certificate.der));
      if (record.row.issuerChainPem) pems.push(record.row.issuerChainPem.trim() + '\n');
      record = record.row.parentId ? this.#deps.directory.get(record.row.parentId) : null;
    }
    return pems.join('');
  }

  async createRoot(ctx: RequestContext, rawInput: CreateRootCaInput): Promise<CaSummary> {
    const input = parseInput(CreateRootCaInput, rawInput);
    return this.#deps.audit.run(
      ctx,
      {
        operation: PKI_AUDIT_OPERATIONS.createRoot,
        entityType: 'certificate_authority',
        details: { name: input.name, algorithm: input.algorithm, validityDays: input.validityDays },
      },
      async (step) => {
        this.#assertNameFree(input.name);
        const subjectName = encodeName(subjectToAttributes(input.subject));
        const caId = timeOrderedId();
        step.details.caId = caId;
        const key = await this.#generateCaKey(ctx, step, caId, input.algorithm);
        const plan = applyProfile({
          profile: ROOT_CA_PROFILE,
          keyAlgorithm: input.algorithm,
          subjectPublicKeyInfo: key.publicKeySpki,
          subject: input.subject,
          validityDays: input.validityDays,
          pathLength: null,
          now: this.#now(),
        });
        const issuer = selfIssuerContext({
          id: caId,
          keyId: key.id,
          keyAlgorithm: input.algorithm,
          subjectName,
          subjectPublicKeyInfo: key.publicKeySpki,
        });
        const signed = await signCertificate(this.#deps.kms, ctx, issuer, plan);
        step.details.serialHex = signed.serial.hex;
        await step.commit(caId, () =>
          this.#deps.db
            .insert(certificateAuthorities)
            .values({
              id: caId,
              name: input.name,
              parentId: null,
              keyId: key.id,
              subjectDn: formatDn(plan.subjectAttributes),
              certificateDer: signed.der,
              serialHex: signed.serial.hex,
              notBefore: plan.notBefore,
              notAfter: plan.notAfter,
              pathLength: null,
              status: 'active',
            })
            .run(),
        );
        return this.get(caId);
      },
    );
  }

  async createIntermediate(ctx: RequestContext, rawInput: CreateIntermediateCaInput): Promise<CaSummary> {
    const input = parseInput(CreateIntermediateCaInput, rawInput);
    return this.#deps.audit.run(
      ctx,
      {
        operation: PKI_AUDIT_OPERATIONS.createIntermediate,
        entityType: 'certificate_authority',
        details: { name: input.name, algorithm: input.algorithm, validityDays: input.validityDays },
      },
      async (step) => {
        this.#assertNameFree(input.name);
        const parent = this.#deps.directory.getSigning(input.parentId);
        step.details.parentId = parent.row.id;
        const pathLength =
          input.pathLength !== undefined
            ? input.pathLength
            : parent.issuer.pathLength === null
              ? null
              : parent.issuer.pathLength - 1;
        subjectToAttributes(input.subject);
        const caId = timeOrderedId();
        step.details.caId = caId;
        // Check everything that needs no key before asking the KMS for one.
        const draft = applyProfile({
          profile: CA_MAX_VALIDITY,
          keyAlgorithm: input.algorithm,
          subjectPublicKeyInfo: parent.keySpki,
          subject: input.subject,
          validityDays: input.validityDays,
          pathLength: pathLength ?? null,
          now: this.#now(),
        });
        checkIssuerLimits(parent.issuer, draft);
        const key = await this.#generateCaKey(ctx, step, caId, input.algorithm);
        const plan = { ...draft, subjectPublicKeyInfo: key.publicKeySpki };
        const signed = await signCertificate(this.#deps.kms, ctx, parent.issuer, plan);
        step.details.serialHex = signed.serial.hex;
        const subjectDn = formatDn(plan.subjectAttributes);
        await step.commit(caId, () => {
          this.#deps.db
            .insert(certificateAuthorities)
            .values({
              id: caId,
              name: input.name,
              parentId: parent.row.id,
              keyId: key.id,
              subjectDn,
              certificateDer: signed.der,
              serialHex: signed.serial.hex,
              notBefore: plan.notBefore,
              notAfter: plan.notAfter,
              pathLength: plan.pathLength,
              status: 'active',
            })
            .run();
          // The parent's own records (listing, CRL, OCSP) cover the CA certificate it signed.
          this.#deps.db
            .insert(certificates)
            .values({
              id: timeOrderedId(),
              caId: parent.row.id,
              serialHex: signed.serial.hex,
              subjectDn,
              commonName: commonNameOf(plan.subjectAttributes),
              sans: [],
              profile: 'intermediate-ca',
              notBefore: plan.notBefore,
              notAfter: plan.notAfter,
              der: signed.der,
              status: 'active',
              keyId: key.id,
            })
            .run();
        });
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
          this.#deps.db
            .insert(certificateAuthorities)
            .values({
              id: caId,
              name: input.name,
              parentId: null,
              keyId: key.id,
              subjectDn: formatDn(attributes),
              status: 'pending',
            })
            .run(),
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
          this.#deps.db
            .update(certificateAuthorities)
            .set({
              certificateDer: Buffer.from(certificate.der),
              serialHex: certificate.serialHex,
              subjectDn: formatDn(decodeNameDer(certificate.subjectName)),
              notBefore: certificate.notBefore,
              notAfter: certificate.notAfter,
              pathLength: certificate.pathLength,
              status: 'active',
              issuerChainPem: chain.map((item) => toPem('CERTIFICATE', item.der)).join('') || null,
            })
            .where(eq(certificateAuthorities.id, record.row.id))
            .run(),
        );
        this.#deps.directory.invalidate(record.row.id);
        return this.get(record.row.id);
      },
    );
  }

  /**
   * Revokes a CA: its certificate on its parent's CRL, and everything it issued (its
   * sub-CAs too, recursively), then republishes the affected CRLs.
   */
  async revoke(ctx: RequestContext, rawInput: RevokeCaInput): Promise<CaSummary> {
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
        if (record.row.status === 'revoked') throw pkiErrors.alreadyRevoked(`CA ${record.row.name}`);
        step.details.caId = record.row.id;
        const now = this.#now();
        const counts = await step.commit(record.row.id, () =>
          this.#revokeTree(record.row.id, input.reason, now, affected),
        );
        step.details.revokedCas = counts.cas;
        step.details.revokedCertificates = counts.certificates;
        if (record.row.parentId) affected.push(record.row.parentId);
        return toCaSummary({
          ...record,
          row: { ...record.row, status: 'revoked', revocationReason: input.reason, revokedAt: now },
        });
      },
    );
    for (const caId of affected) {
      this.#deps.directory.invalidate(caId);
      this.#deps.events.statusChanged({ caId, serialHex: null });
    }
    for (const caId of new Set(affected)) {
      const record = this.#deps.directory.get(caId);
      if (record.certificate) await this.#deps.publishCrl(ctx, caId);
    }
    return summary;
  }

  #revokeTree(
    caId: string,
    reason: RevocationReason,
    now: Date,
    affected: string[],
  ): { cas: number; certificates: number } {
    const { db } = this.#deps;
    const ca = db.select().from(certificateAuthorities).where(eq(certificateAuthorities.id, caId)).get();
    if (!ca) return { cas: 0, certificates: 0 };
    affected.push(caId);
    db.update(certificateAuthorities)
      .set({ status: 'revoked', revocationReason: reason, revokedAt: now })
      .where(eq(certificateAuthorities.id, caId))
      .run();
    let revokedCertificates = 0;
    if (ca.parentId && ca.serialHex) {
      revokedCertificates += db
        .update(certificates)
        .set({ status: 'revoked', revocationReason: reason, revokedAt: now })
        .where(
          and(
            eq(certificates.caId, ca.parentId),
            eq(certificates.serialHex, ca.serialHex),
            eq(certificates.status, 'active'),
          ),
        )
        .run().changes;
    }
    revokedCertificates += db
      .update(certificates)
      .set({ status: 'revoked', revocationReason: cascadeReason(reason), revokedAt: now })
      .where(and(eq(certificates.caId, caId), eq(certificates.status, 'active')))
      .run().changes;
    let revokedCas = 1;
    const children = db
      .select({ id: certificateAuthorities.id })
      .from(certificateAuthorities)
      .where(eq(certificateAuthorities.parentId, caId))
      .all();
    for (const child of children) {
      const childStatus = db
        .select({ status: certificateAuthorities.status })
        .from(certificateAuthorities)
        .where(eq(certificateAuthorities.id, child.id))
        .get();
      if (childStatus?.status === 'revoked') continue;
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
    const taken = this.#deps.db
      .select({ id: certificateAuthorities.id })
      .from(certificateAuthorities)
      .where(eq(certificateAuthorities.name, name))
      .get();
    if (taken) throw pkiErrors.caNameTaken(name);
  }
}

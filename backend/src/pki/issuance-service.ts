/**
 * Certificates: issuance from a CSR, with a key pair generated in the key store, or as a
 * CA's delegated OCSP signer — one flow, the differences given as an IssuanceSpec —,
 * revocation and exports (certificate-exports.ts); listing is certificate-read-service.ts. The
 * hot path (issueFromCsr) reuses the issuer's pre-encoded parts (ca-directory.ts),
 * verifies the CSR with node:crypto, signs through KMSService and writes the certificate
 * and its audit row together through the audit log (audit/audit-log.ts).
 */
import {
  ExportCertificateInput,
  IssueFromCsrInput,
  IssueWithServerKeyInput,
  RevokeCertificateInput,
} from '@pki/shared';
import type { CertificateRef, CertificateSummary, KeyAlgorithm, KeyPurpose } from '@pki/shared';
import type { CrlPublication, RevocationReason, RevokedCertificate } from '@pki/shared';

import type { AuditedOperation } from '../audit/audit-log.js';
import { DuplicateSerialError } from '../db/certificate-repository.js';
import type { CertificateRepository } from '../db/certificate-repository.js';
import type { RequestContext } from '../request-context.js';
import { PKI_AUDIT_OPERATIONS } from './audit-operations.js';
import type { PkiAuditOperation } from './audit-operations.js';
import type { CaDirectory } from './ca-directory.js';
import { CertificateExports } from './certificate-exports.js';
import type { ExportedFile } from './certificate-exports.js';
import { checkIssuerLimits, signCertificate } from './certificate-template.js';
import type { IssuerContext } from './certificate-template.js';
import { parseCsr } from './csr.js';
import { decideForCsr } from './csr-policy.js';
import { toCertificateSummary } from './dto.js';
import type { CertificateRow } from './dto.js';
import { pkiErrors } from './errors.js';
import { timeOrderedId } from './ids.js';
import { issuerChainDer } from './issuer-chain.js';
import { commonNameOf, formatDn, formatSan } from './names.js';
import { parseInput } from './parse-input.js';
import { chainPem, toPem } from './pem.js';
import type { PkiServiceDependencies } from './service-dependencies.js';
import { applyProfile } from './profile-policy.js';
import type { PolicyDecision } from './profile-policy.js';
import { OCSP_SIGNING_PROFILE, getProfile } from './profiles.js';
import { normalizeSerialHex } from './serial.js';

export type { ExportedFile } from './certificate-exports.js';

export interface CertificateServiceDependencies extends PkiServiceDependencies {
  certificates: CertificateRepository;
  /** Re-signs a CA's CRL after a revocation, or schedules it (CrlPublisher.ensurePublished). */
  publishCrl: (ctx: RequestContext, caId: string) => Promise<CrlPublication>;
  /** In the revocation's transaction: the CA's CRL must be re-signed (CaRepository.markCrlStale). */
  markCrlStale: (caId: string) => void;
  /** Revoking a sub-CA's certificate revokes the CA (CaService.revoke). */
  revokeCa: (
    ctx: RequestContext,
    input: { caId: string; reason: RevocationReason },
  ) => Promise<{ crl: CrlPublication }>;
}

export interface IssuedCertificate {
  certificate: CertificateSummary;
  certificatePem: string;
  /** The issuing CA and its issuers up to the root, PEM. */
  chainPem: string;
}

type SigningCa = ReturnType<CaDirectory['getSigning']>;

/** A key pair the key store generates for the certificate, after every check that needs no key. */
interface ServerKey {
  algorithm: KeyAlgorithm;
  /** The key's label is `<labelPrefix>-<certificate id>`. */
  labelPrefix: string;
  purpose: KeyPurpose;
  isExportable: boolean;
  /** Recorded in the audit row with the key's id. */
  auditDetails: Record<string, unknown>;
}

/** What sets one kind of issuance apart; the flow around it is #issue. */
interface IssuanceSpec {
  caId: string;
  /**
   * The profile's decision for the certificate. With a server key the subject public key
   * is still empty here: the key is generated once this decision and the issuer's limits hold.
   */
  decide(ca: SigningCa, step: AuditedOperation): PolicyDecision;
  serverKey?: ServerKey;
}

const SERIAL_ATTEMPTS = 3;

export class CertificateService {
  readonly #deps: CertificateServiceDependencies;
  readonly #now: () => Date;
  readonly #exports: CertificateExports;
  readonly #chainPemCache = new Map<string, string>();

  constructor(dependencies: CertificateServiceDependencies) {
    this.#deps = dependencies;
    this.#now = dependencies.now ?? (() => new Date());
    this.#exports = new CertificateExports({
      kms: dependencies.kms,
      audit: dependencies.audit,
      issuerChainDer: (caId) => issuerChainDer(dependencies.directory, caId),
    });
  }

  async issueFromCsr(ctx: RequestContext, rawInput: IssueFromCsrInput): Promise<IssuedCertificate> {
    const details = { profile: String(rawInput.profile), source: 'csr' };
    return this.#issue(ctx, PKI_AUDIT_OPERATIONS.issue, details, () => {
      const input = parseInput(IssueFromCsrInput, rawInput);
      return {
        caId: input.caId,
        decide: (_ca, step) => {
          const csr = parseCsr(input.csr);
          step.details.csrSha256 = csr.fingerprint;
          step.details.keyAlgorithm = csr.keyAlgorithm;
          return decideForCsr(input, csr, this.#now());
        },
      };
    });
  }

  async issueWithServerKey(ctx: RequestContext, rawInput: IssueWithServerKeyInput): Promise<IssuedCertificate> {
    const details = { profile: String(rawInput.profile), source: 'server-key' };
    return this.#issue(ctx, PKI_AUDIT_OPERATIONS.issue, details, () => {
      const input = parseInput(IssueWithServerKeyInput, rawInput);
      return {
        caId: input.caId,
        decide: () => {
          const profile = getProfile(input.profile);
          if (input.isExportable && !profile.canExportPrivateKey) {
            throw pkiErrors.exportNotAllowed(`profile ${profile.id} keeps its private keys in the key store`);
          }
          if (input.isExportable && !this.#deps.kms.capabilities().canExportPrivateKey) {
            throw pkiErrors.exportNotAllowed(`the ${this.#deps.kms.backend} key store cannot export private keys`);
          }
          return applyProfile({
            profile,
            keyAlgorithm: input.algorithm,
            subjectPublicKeyInfo: new Uint8Array(),
            subject: input.subject,
            sans: input.sans,
            ...(input.validityDays !== undefined ? { validityDays: input.validityDays } : {}),
            now: this.#now(),
          });
        },
        serverKey: {
          algorithm: input.algorithm,
          labelPrefix: 'cert',
          purpose: input.profile === OCSP_SIGNING_PROFILE.id ? 'ocsp-signing' : 'end-entity',
          isExportable: input.isExportable,
          auditDetails: { keyAlgorithm: input.algorithm, isExportable: input.isExportable },
        },
      };
    });
  }

  /**
   * A delegated OCSP responder certificate for a CA (RFC 6960 §4.2.2.2), key held in the key
   * store (P-256 unless the key store lacks it). `auditDetails` join the row
   * (ocsp-signer-renewal.ts says whether it renews one).
   */
  async issueOcspSigner(
    ctx: RequestContext,
    caId: string,
    validityDays = OCSP_SIGNING_PROFILE.defaultValidityDays,
    options: { algorithm?: KeyAlgorithm; auditDetails?: Record<string, unknown> } = {},
  ): Promise<IssuedCertificate> {
    const algorithm = options.algorithm ?? 'ec-p256';
    const details = { ...options.auditDetails, profile: OCSP_SIGNING_PROFILE.id, keyAlgorithm: algorithm };
    const issued = await this.#issue(ctx, PKI_AUDIT_OPERATIONS.createOcspSigner, details, () => ({
      caId,
      decide: (ca) =>
        applyProfile({
          profile: OCSP_SIGNING_PROFILE,
          keyAlgorithm: algorithm,
          subjectPublicKeyInfo: new Uint8Array(),
          subject: { commonName: `OCSP responder for ${ca.row.name}`.slice(0, 64) },
          validityDays,
          now: this.#now(),
        }),
      serverKey: {
        algorithm,
        labelPrefix: 'ocsp',
        purpose: 'ocsp-signing',
        isExportable: false,
        auditDetails: {},
      },
    }));
    this.#deps.events.statusChanged({ caId: issued.certificate.caId, serialHex: null });
    return issued;
  }

  /**
   * The one issuance flow: the CA must be able to sign, the profile decides, the issuer's
   * limits hold, then (for a server key) the key is generated, and the certificate is
   * signed and stored with its audit row.
   */
  async #issue(
    ctx: RequestContext,
    operation: PkiAuditOperation,
    details: Record<string, unknown>,
    describe: () => IssuanceSpec,
  ): Promise<IssuedCertificate> {
    return this.#deps.audit.run(ctx, { operation, entityType: 'certificate', details }, async (step) => {
      const spec = describe();
      const ca = this.#deps.directory.getSigning(spec.caId);
      step.details.caId = ca.row.id;
      const decision = spec.decide(ca, step);
      checkIssuerLimits(ca.issuer, decision);
      const certificateId = timeOrderedId();
      if (!spec.serverKey) return this.#signAndStore(ctx, step, ca.issuer, decision, certificateId, null);
      const { serverKey } = spec;
      const key = await this.#deps.kms.generateKeyPair(ctx, {
        algorithm: serverKey.algorithm,
        label: `${serverKey.labelPrefix}-${certificateId}`,
        purpose: serverKey.purpose,
        isExportable: serverKey.isExportable,
      });
      Object.assign(step.details, { keyId: key.id }, serverKey.auditDetails);
      const plan = { ...decision, subjectPublicKeyInfo: key.publicKeySpki };
      return this.#signAndStore(ctx, step, ca.issuer, plan, certificateId, {
        id: key.id,
        isExportable: serverKey.isExportable,
      });
    });
  }

  /** Signs and stores the certificate, drawing another serial if the CA already used this one. */
  async #signAndStore(
    ctx: RequestContext,
    step: AuditedOperation,
    issuer: IssuerContext,
    plan: PolicyDecision,
    certificateId: string,
    key: { id: string; isExportable: boolean } | null,
  ): Promise<IssuedCertificate> {
    const subjectDn = formatDn(plan.subjectAttributes);
    const sans = plan.sans.map(formatSan);
    const commonName = commonNameOf(plan.subjectAttributes);
    step.details.certificateId = certificateId;
    for (let attempt = 1; ; attempt++) {
      const signed = await signCertificate(this.#deps.kms, ctx, issuer, plan);
      step.details.serialHex = signed.serial.hex;
      const row: CertificateRow = {
        id: certificateId,
        caId: issuer.caId,
        serialHex: signed.serial.hex,
        subjectDn,
        commonName,
        sans,
        profile: plan.profile.id,
        notBefore: plan.notBefore,
        notAfter: plan.notAfter,
        der: signed.der,
        status: 'active',
        revocationReason: null,
        revokedAt: null,
        keyId: key?.id ?? null,
        keyAlgorithm: plan.keyAlgorithm,
        createdAt: this.#now(),
      };
      try {
        await step.commit(certificateId, () => this.#deps.certificates.insertIssued(row));
      } catch (error) {
        if (error instanceof DuplicateSerialError && attempt < SERIAL_ATTEMPTS) continue;
        throw error;
      }
      return {
        certificate: toCertificateSummary(
          row,
          key === null ? null : { isExportable: key.isExportable, exportedAt: null },
        ),
        certificatePem: toPem('CERTIFICATE', signed.der),
        chainPem: this.#issuerChainPem(issuer.caId),
      };
    }
  }

  /**
   * Done once committed: the revocation and "this CA's CRL must be re-signed" share one
   * transaction, OCSP answers `revoked` from then on, and `crl` says whether the CRL lists
   * it already or when the publisher tries again. Revoking a revoked certificate again
   * with the same reason succeeds and makes sure the CRL lists it; with another reason it
   * is ALREADY_REVOKED (the first reason is what relying parties were told).
   */
  async revoke(ctx: RequestContext, rawInput: RevokeCertificateInput): Promise<RevokedCertificate> {
    const input = parseInput(RevokeCertificateInput, rawInput);
    const { reason } = input;
    const row = this.#find(input);
    const subCa = this.#deps.directory.findChildBySerial(row.caId, row.serialHex);
    if (subCa && row.profile === 'intermediate-ca') {
      const { crl } = await this.#deps.revokeCa(ctx, { caId: subCa.id, reason });
      return { ...this.get({ id: row.id }), crl };
    }
    const summary = await this.#deps.audit.run(
      ctx,
      {
        operation: PKI_AUDIT_OPERATIONS.revokeCertificate,
        entityType: 'certificate',
        entityId: row.id,
        details: { reason },
      },
      async (step) => {
        step.details.caId = row.caId;
        step.details.serialHex = row.serialHex;
        if (reason === 'removeFromCRL') throw pkiErrors.reasonInvalid(reason);
        if (row.status === 'revoked') {
          if (row.revocationReason !== reason) {
            throw pkiErrors.alreadyRevoked(
              `certificate ${row.serialHex} (as ${row.revocationReason ?? 'unspecified'})`,
            );
          }
          step.details.isRepeated = true;
          return toCertificateSummary(row);
        }
        const now = this.#now();
        await step.commit(row.id, () => {
          this.#deps.certificates.markRevoked(row.id, reason, now);
          this.#deps.markCrlStale(row.caId);
        });
        return toCertificateSummary({ ...row, status: 'revoked', revocationReason: reason, revokedAt: now });
      },
    );
    this.#deps.events.statusChanged({ caId: row.caId, serialHex: row.serialHex });
    const crl = await this.#deps.publishCrl(ctx, row.caId);
    return { ...summary, crl };
  }

  get(ref: CertificateRef): CertificateSummary {
    const row = this.#find(ref);
    return toCertificateSummary(row, this.#keyExportState(row.keyId));
  }

  getDer(ref: CertificateRef): Uint8Array {
    return this.#find(ref).der;
  }

  async export(ctx: RequestContext, rawInput: ExportCertificateInput): Promise<ExportedFile> {
    const input = parseInput(ExportCertificateInput, rawInput);
    return this.#exports.export(ctx, this.#find({ id: input.id }), input);
  }

  #find(ref: CertificateRef): CertificateRow {
    if ('id' in ref) {
      const row = this.#deps.certificates.findById(ref.id);
      if (!row) throw pkiErrors.certificateNotFound(ref.id);
      return row;
    }
    const serialHex = normalizeSerialHex(ref.serialHex);
    const caId = this.#deps.directory.get(ref.caId).row.id;
    const row = this.#deps.certificates.findBySerial(caId, serialHex);
    if (!row) throw pkiErrors.certificateNotFound(`${serialHex} of CA ${ref.caId}`);
    return row;
  }

  #keyExportState(keyId: string | null): { isExportable: boolean; exportedAt: Date | null } | null {
    const key = keyId === null ? undefined : this.#deps.kms.findKey(keyId);
    return key === undefined ? null : { isExportable: key.isExportable, exportedAt: key.exportedAt };
  }

  #issuerChainPem(caId: string): string {
    let cached = this.#chainPemCache.get(caId);
    if (cached === undefined) {
      cached = chainPem(issuerChainDer(this.#deps.directory, caId));
      this.#chainPemCache.set(caId, cached);
    }
    return cached;
  }
}

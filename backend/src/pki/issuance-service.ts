/**
 * Certificates: issuance from a CSR or with a key pair generated in the key store,
 * revocation, listing with keyset pagination, and exports. The hot path (issueFromCsr)
 * reuses the issuer's pre-encoded parts (ca-directory.ts), verifies the CSR with
 * node:crypto, signs through KMSService and writes the certificate and its audit row
 * together through the audit log (audit/audit-log.ts), with prepared statements.
 */
import type Database from 'better-sqlite3';
import { and, desc, eq, gt, like, lt, lte, or, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';

import {
  ExportCertificateInput,
  IssueFromCsrInput,
  IssueWithServerKeyInput,
  ListCertificatesInput,
  RevokeCertificateInput,
} from '@pki/shared';
import type { CertificatePage, CertificateRef, CertificateSummary, ExportFormat, RevocationReason } from '@pki/shared';

import type { AppDatabase } from '../db/client.js';
import { certificateAuthorities, certificates, kmsKeys } from '../db/schema.js';
import type { RequestContext } from '../request-context.js';
import type { CaDirectory } from './ca-directory.js';
import { checkIssuerLimits, signCertificate } from './certificate-template.js';
import type { IssuerContext } from './certificate-template.js';
import { parseCsr } from './csr.js';
import { toCertificateSummary } from './dto.js';
import type { CertificateRow } from './dto.js';
import { pkiErrors } from './errors.js';
import { parseInput } from './parse-input.js';
import { chainPem, pkcs12, pkcs7CertsOnly } from './exports.js';
import { timeOrderedId } from './ids.js';
import type { PkiKms } from './kms-signer.js';
import { commonNameOf, formatDn, formatSan } from './names.js';
import { toPem } from './pem.js';
import type { AuditLog, AuditedOperation } from '../audit/audit-log.js';
import { PKI_AUDIT_OPERATIONS } from './audit-operations.js';
import type { PkiEvents } from './pki-events.js';
import { applyProfile } from './profile-policy.js';
import type { PolicyDecision } from './profile-policy.js';
import { OCSP_SIGNING_PROFILE, getProfile } from './profiles.js';
import { normalizeSerialHex } from './serial.js';

export interface CertificateServiceDependencies {
  db: AppDatabase;
  sqlite: Database.Database;
  kms: PkiKms;
  audit: AuditLog;
  directory: CaDirectory;
  events: PkiEvents;
  publishCrl: (ctx: RequestContext, caId: string) => Promise<unknown>;
  /** Revoking a sub-CA's certificate revokes the CA (CaService.revoke). */
  revokeCa: (ctx: RequestContext, input: { caId: string; reason: RevocationReason }) => Promise<unknown>;
  now?: () => Date;
}

export interface IssuedCertificate {
  certificate: CertificateSummary;
  certificatePem: string;
  /** The issuing CA and its issuers up to the root, PEM. */
  chainPem: string;
}

export interface ExportedFile {
  format: ExportFormat;
  filename: string;
  mimeType: string;
  /** Text formats as UTF-8, binary ones as base64, so the result survives JSON. */
  encoding: 'utf8' | 'base64';
  content: string;
}

const SERIAL_ATTEMPTS = 3;

function isSerialCollision(error: unknown): boolean {
  return (
    error instanceof Error &&
    'code' in error &&
    error.code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    error.message.includes('serial_hex')
  );
}

export class CertificateService {
  readonly #deps: CertificateServiceDependencies;
  readonly #now: () => Date;
  readonly #insert: Database.Statement;

  constructor(dependencies: CertificateServiceDependencies) {
    this.#deps = dependencies;
    this.#now = dependencies.now ?? (() => new Date());
    this.#insert = dependencies.sqlite.prepare(
      `INSERT INTO certificates (id, ca_id, serial_hex, subject_dn, common_name, sans, profile, not_before, not_after, der, status, key_id, created_at)
       VALUES (@id, @caId, @serialHex, @subjectDn, @commonName, @sans, @profile, @notBefore, @notAfter, @der, 'active', @keyId, @createdAt)`,
    );
  }

  async issueFromCsr(ctx: RequestContext, rawInput: IssueFromCsrInput): Promise<IssuedCertificate> {
    return this.#deps.audit.run(
      ctx,
      {
        operation: PKI_AUDIT_OPERATIONS.issue,
        entityType: 'certificate',
        details: { profile: String(rawInput.profile), source: 'csr' },
      },
      async (step) => {
        const input = parseInput(IssueFromCsrInput, rawInput);
        const ca = this.#deps.directory.getSigning(input.caId);
        step.details.caId = ca.row.id;
        const profile = getProfile(input.profile);
        const csr = parseCsr(input.csr);
        step.details.csrSha256 = csr.fingerprint;
        step.details.keyAlgorithm = csr.keyAlgorithm;
        const plan = applyProfile({
          profile,
          keyAlgorithm: csr.keyAlgorithm,
          subjectPublicKeyInfo: csr.subjectPublicKeyInfo,
          csr,
          ...(input.subject ? { subject: input.subject } : {}),
          ...(input.sans ? { sans: input.sans } : {}),
          ...(input.validityDays !== undefined ? { validityDays: input.validityDays } : {}),
          ...(input.pathLength !== undefined ? { pathLength: input.pathLength } : {}),
          now: this.#now(),
        });
        return this.#issue(ctx, step, ca.issuer, plan, null);
      },
    );
  }

  async issueWithServerKey(ctx: RequestContext, rawInput: IssueWithServerKeyInput): Promise<IssuedCertificate> {
    return this.#deps.audit.run(
      ctx,
      {
        operation: PKI_AUDIT_OPERATIONS.issue,
        entityType: 'certificate',
        details: { profile: String(rawInput.profile), source: 'server-key' },
      },
      async (step) => {
        const input = parseInput(IssueWithServerKeyInput, rawInput);
        const ca = this.#deps.directory.getSigning(input.caId);
        step.details.caId = ca.row.id;
        const profile = getProfile(input.profile);
        if (input.isExportable && !profile.canExportPrivateKey) {
          throw pkiErrors.exportNotAllowed(`profile ${profile.id} keeps its private keys in the key store`);
        }
        if (input.isExportable && !this.#deps.kms.capabilities().canExportPrivateKey) {
          throw pkiErrors.exportNotAllowed(`the ${this.#deps.kms.backend} key store cannot export private keys`);
        }
        // Decide everything a key is not needed for before generating one.
        const draft = applyProfile({
          profile,
          keyAlgorithm: input.algorithm,
          subjectPublicKeyInfo: new Uint8Array(),
          subject: input.subject,
          sans: input.sans,
          ...(input.validityDays !== undefined ? { validityDays: input.validityDays } : {}),
          now: this.#now(),
        });
        checkIssuerLimits(ca.issuer, draft);
        const certificateId = timeOrderedId();
        const key = await this.#deps.kms.generateKeyPair(ctx, {
          algorithm: input.algorithm,
          label: `cert-${certificateId}`,
          purpose: profile.id === 'ocsp-signing' ? 'ocsp-signing' : 'end-entity',
          isExportable: input.isExportable,
        });
        step.details.keyId = key.id;
        step.details.keyAlgorithm = input.algorithm;
        step.details.isExportable = input.isExportable;
        return this.#issue(
          ctx,
          step,
          ca.issuer,
          { ...draft, subjectPublicKeyInfo: key.publicKeySpki },
          key.id,
          certificateId,
        );
      },
    );
  }

  /** A delegated OCSP responder certificate for a CA (RFC 6960 §4.2.2.2), key held in the key store. */
  async issueOcspSigner(
    ctx: RequestContext,
    caId: string,
    validityDays = OCSP_SIGNING_PROFILE.defaultValidityDays,
  ): Promise<IssuedCertificate> {
    return this.#deps.audit.run(
      ctx,
      {
        operation: PKI_AUDIT_OPERATIONS.createOcspSigner,
        entityType: 'certificate',
        details: { profile: OCSP_SIGNING_PROFILE.id },
      },
      async (step) => {
        const ca = this.#deps.directory.getSigning(caId);
        step.details.caId = ca.row.id;
        const draft = applyProfile({
          profile: OCSP_SIGNING_PROFILE,
          keyAlgorithm: 'ec-p256',
          subjectPublicKeyInfo: new Uint8Array(),
          subject: { commonName: `OCSP responder for ${ca.row.name}`.slice(0, 64) },
          validityDays,
          now: this.#now(),
        });
        checkIssuerLimits(ca.issuer, draft);
        const certificateId = timeOrderedId();
        const key = await this.#deps.kms.generateKeyPair(ctx, {
          algorithm: 'ec-p256',
          label: `ocsp-${certificateId}`,
          purpose: 'ocsp-signing',
          isExportable: false,
        });
        step.details.keyId = key.id;
        const issued = await this.#issue(
          ctx,
          step,
          ca.issuer,
          { ...draft, subjectPublicKeyInfo: key.publicKeySpki },
          key.id,
          certificateId,
        );
        this.#deps.events.statusChanged({ caId: ca.row.id, serialHex: null });
        return issued;
      },
    );
  }

  async #issue(
    ctx: RequestContext,
    step: AuditedOperation,
    issuer: IssuerContext,
    plan: PolicyDecision,
    keyId: string | null,
    certificateId = timeOrderedId(),
  ): Promise<IssuedCertificate> {
    checkIssuerLimits(issuer, plan);
    const subjectDn = formatDn(plan.subjectAttributes);
    const sans = plan.sans.map(formatSan);
    const commonName = commonNameOf(plan.subjectAttributes);
    step.details.certificateId = certificateId;
    for (let attempt = 1; ; attempt++) {
      const signed = await signCertificate(this.#deps.kms, ctx, issuer, plan);
      step.details.serialHex = signed.serial.hex;
      const createdAt = this.#now().getTime();
      try {
        await step.commit(certificateId, () =>
          this.#insert.run({
            id: certificateId,
            caId: issuer.caId,
            serialHex: signed.serial.hex,
            subjectDn,
            commonName,
            sans: JSON.stringify(sans),
            profile: plan.profile.id,
            notBefore: plan.notBefore.getTime(),
            notAfter: plan.notAfter.getTime(),
            der: signed.der,
            keyId,
            createdAt,
          }),
        );
      } catch (error) {
        if (isSerialCollision(error) && attempt < SERIAL_ATTEMPTS) continue;
        throw error;
      }
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
        keyId,
        createdAt: new Date(createdAt),
      };
      const key = keyId === null ? null : { isExportable: step.details.isExportable === true, exportedAt: null };
      return {
        certificate: toCertificateSummary(row, key),
        certificatePem: toPem('CERTIFICATE', signed.der),
        chainPem: this.#issuerChainPem(issuer.caId),
      };
    }
  }

  async revoke(ctx: RequestContext, rawInput: RevokeCertificateInput): Promise<CertificateSummary> {
    const input = parseInput(RevokeCertificateInput, rawInput);
    const { reason } = input;
    const row = this.#find(input);
    const subCa = this.#deps.db
      .select({ id: certificateAuthorities.id })
      .from(certificateAuthorities)
      .where(and(eq(certificateAuthorities.parentId, row.caId), eq(certificateAuthorities.serialHex, row.serialHex)))
      .get();
    if (subCa && row.profile === 'intermediate-ca') {
      await this.#deps.revokeCa(ctx, { caId: subCa.id, reason });
      return this.get({ id: row.id });
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
        if (row.status === 'revoked') throw pkiErrors.alreadyRevoked(`certificate ${row.serialHex}`);
        const now = this.#now();
        await step.commit(row.id, () =>
          this.#deps.db
            .update(certificates)
            .set({ status: 'revoked', revocationReason: reason, revokedAt: now })
            .where(and(eq(certificates.id, row.id), eq(certificates.status, 'active')))
            .run(),
        );
        return toCertificateSummary({ ...row, status: 'revoked', revocationReason: reason, revokedAt: now });
      },
    );
    this.#deps.events.statusChanged({ caId: row.caId, serialHex: row.serialHex });
    await this.#deps.publishCrl(ctx, row.caId);
    return summary;
  }

  get(ref: CertificateRef): CertificateSummary {
    const row = this.#find(ref);
    return toCertificateSummary(row, this.#keyExportState(row.keyId));
  }

  getDer(ref: CertificateRef): Uint8Array {
    return this.#find(ref).der;
  }

  list(rawInput: ListCertificatesInput = {}): CertificatePage {
    const input = parseInput(ListCertificatesInput, rawInput);
    const now = this.#now();
    const conditions: SQL[] = [];
    if (input.status === 'expired')
      conditions.push(and(eq(certificates.status, 'active'), lte(certificates.notAfter, now)) as SQL);
    else if (input.status === 'active')
      conditions.push(and(eq(certificates.status, 'active'), gt(certificates.notAfter, now)) as SQL);
    else if (input.status) conditions.push(eq(certificates.status, input.status));
    if (input.caId) conditions.push(eq(certificates.caId, this.#deps.directory.get(input.caId).row.id));
    if (input.profile) conditions.push(eq(certificates.profile, input.profile));
    if (input.expiringBefore) conditions.push(lt(certificates.notAfter, new Date(input.expiringBefore)));
    if (input.search) {
      const escaped = input.search.replace(/[\\%_]/g, (character) => `\\${character}`);
      const pattern = `%${escaped}%`;
      const serialPattern = `%${escaped.replace(/:/g, '').toLowerCase()}%`;
      conditions.push(
        or(
          sql`${certificates.subjectDn} LIKE ${pattern} ESCAPE '\\'`,
          sql`${certificates.sans} LIKE ${pattern} ESCAPE '\\'`,
          like(certificates.serialHex, serialPattern),
        ) as SQL,
      );
    }
    if (input.cursor) conditions.push(lt(certificates.id, input.cursor));
    const rows = this.#deps.db
      .select({ certificate: certificates, isExportable: kmsKeys.isExportable, exportedAt: kmsKeys.exportedAt })
      .from(certificates)
      .leftJoin(kmsKeys, eq(kmsKeys.id, certificates.keyId))
      .where(and(...conditions))
      .orderBy(desc(certificates.id))
      .limit(input.limit + 1)
      .all();
    const page = rows.slice(0, input.limit);
    return {
      items: page.map((row) =>
        toCertificateSummary(
          row.certificate,
          row.isExportable === null ? null : { isExportable: row.isExportable, exportedAt: row.exportedAt },
        ),
      ),
      nextCursor: rows.length > input.limit ? (page[page.length - 1]?.certificate.id ?? null) : null,
    };
  }

  async export(ctx: RequestContext, rawInput: ExportCertificateInput): Promise<ExportedFile> {
    const input = parseInput(ExportCertificateInput, rawInput);
    const row = this.#find({ id: input.id });
    const baseName = (row.commonName ?? row.serialHex).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 64) || row.serialHex;
    const chain = this.#issuerChainDer(row.caId);
    switch (input.format) {
      case 'pem':
        return {
          format: 'pem',
          filename: `${baseName}.pem`,
          mimeType: 'application/x-pem-file',
          encoding: 'utf8',
          content: toPem('CERTIFICATE', row.der),
        };
      case 'der':
        return {
          format: 'der',
          filename: `${baseName}.cer`,
          mimeType: 'application/pkix-cert',
          encoding: 'base64',
          content: Buffer.from(row.der).toString('base64'),
        };
      case 'chain':
        return {
          format: 'chain',
          filename: `${baseName}-chain.pem`,
          mimeType: 'application/x-pem-file',
          encoding: 'utf8',
          content: chainPem([row.der, ...chain]),
        };
      case 'pkcs7':
        return {
          format: 'pkcs7',
          filename: `${baseName}.p7b`,
          mimeType: 'application/pkcs7-mime',
          encoding: 'base64',
          content: Buffer.from(pkcs7CertsOnly([row.der, ...chain])).toString('base64'),
        };
      case 'pkcs12':
        return this.#exportPkcs12(ctx, row, chain, input.password, baseName);
    }
  }

  async #exportPkcs12(
    ctx: RequestContext,
    row: CertificateRow,
    chain: Uint8Array[],
    password: string | undefined,
    baseName: string,
  ): Promise<ExportedFile> {
    return this.#deps.audit.run(
      ctx,
      { operation: PKI_AUDIT_OPERATIONS.exportPrivateKey, entityType: 'certificate', entityId: row.id },
      async (step) => {
        step.details.keyId = row.keyId;
        step.details.format = 'pkcs12';
        if (!password) throw pkiErrors.passwordRequired();
        if (!row.keyId) throw pkiErrors.exportNotAllowed('the key pair was generated by the requester, not here');
        if (row.status !== 'active') throw pkiErrors.exportNotAllowed(`the certificate is ${row.status}`);
        const profile = getProfile(row.profile);
        if (!profile.canExportPrivateKey)
          throw pkiErrors.exportNotAllowed(`profile ${profile.id} keeps its private keys in the key store`);
        const keyState = this.#keyExportState(row.keyId);
        if (!keyState?.isExportable) throw pkiErrors.exportNotAllowed('the key was generated non-exportable');
        if (keyState.exportedAt) throw pkiErrors.exportAlreadyDone();
        const privateKey = await this.#deps.kms.exportPrivateKey(ctx, { keyId: row.keyId });
        try {
          const file = await pkcs12({
            privateKeyPkcs8: privateKey,
            certificate: row.der,
            chain,
            password,
            friendlyName: row.commonName ?? row.serialHex,
          });
          await step.commit(row.id, () => undefined);
          return {
            format: 'pkcs12',
            filename: `${baseName}.p12`,
            mimeType: 'application/x-pkcs12',
            encoding: 'base64',
            content: Buffer.from(file).toString('base64'),
          };
        } finally {
          privateKey.fill(0);
        }
      },
    );
  }

  #find(ref: CertificateRef): CertificateRow {
    let row: CertificateRow | undefined;
    let label: string;
    if ('id' in ref) {
      label = ref.id;
      row = this.#deps.db.select().from(certificates).where(eq(certificates.id, ref.id)).get();
    } else {
      const serialHex = normalizeSerialHex(ref.serialHex);
      label = `${serialHex} of CA ${ref.caId}`;
      const caId = this.#deps.directory.get(ref.caId).row.id;
      row = this.#deps.db
        .select()
        .from(certificates)
        .where(and(eq(certificates.caId, caId), eq(certificates.serialHex, serialHex)))
        .get();
    }
    if (!row) throw pkiErrors.certificateNotFound(label);
    return row;
  }

  #keyExportState(keyId: string | null): { isExportable: boolean; exportedAt: Date | null } | null {
    if (!keyId) return null;
    return (
      this.#deps.db
        .select({ isExportable: kmsKeys.isExportable, exportedAt: kmsKeys.exportedAt })
        .from(kmsKeys)
        .where(eq(kmsKeys.id, keyId))
        .get() ?? null
    );
  }

  /** The issuing CA's certificate and those above it, nearest first. */
  #issuerChainDer(caId: string): Uint8Array[] {
    const chain: Uint8Array[] = [];
    for (let id: string | null = caId; id;) {
      const record = this.#deps.directory.get(id);
      if (record.certificate) chain.push(record.certificate.der);
      if (record.row.issuerChainPem) {
        for (const match of record.row.issuerChainPem.matchAll(
          /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g,
        )) {
          chain.push(Buffer.from((match[1] ?? '').replace(/\s+/g, ''), 'base64'));
        }
      }
      id = record.row.parentId;
    }
    return chain;
  }

  readonly #chainPemCache = new Map<string, string>();

  #issuerChainPem(caId: string): string {
    let cached = this.#chainPemCache.get(caId);
    if (cached === undefined) {
      cached = chainPem(this.#issuerChainDer(caId));
      this.#chainPemCache.set(caId, cached);
    }
    return cached;
  }
}

/**
 * Inputs and outputs of the certificate authority (CA hierarchy, issuance, revocation,
 * exports). The backend validates every procedure input with these schemas and re-checks
 * names and SANs itself (CSRs bypass zod), so the rules here are the first, friendly line.
 */
import { z } from 'zod';

import { CA_STATUSES, CERTIFICATE_STATUSES, KeyAlgorithmSchema, RevocationReasonSchema } from './enums.js';

/** Certificate profiles; each is a row of backend/src/pki/profiles.ts. */
export const PROFILE_IDS = [
  'tls-server',
  'tls-client',
  'tls-server-client',
  'code-signing',
  'email-protection',
  'intermediate-ca',
] as const;
export const ProfileIdSchema = z.enum(PROFILE_IDS);
export type ProfileId = z.infer<typeof ProfileIdSchema>;

export const SAN_TYPES = ['dns', 'ip', 'email', 'uri'] as const;
export type SanType = (typeof SAN_TYPES)[number];

/** C0 and C1 controls, DEL, and bidirectional overrides: never valid in a name. */
// eslint-disable-next-line no-control-regex
export const FORBIDDEN_NAME_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

const nameText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => !FORBIDDEN_NAME_CHARACTERS.test(value), 'must not contain control characters');

/** A subject distinguished name; upper bounds are X.520's (RFC 5280 Appendix A). */
export const SubjectSchema = z.object({
  commonName: nameText(64),
  organization: nameText(64).optional(),
  organizationalUnit: nameText(64).optional(),
  locality: nameText(128).optional(),
  state: nameText(128).optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be a two-letter ISO 3166 code in capitals')
    .optional(),
});
export type Subject = z.infer<typeof SubjectSchema>;

/** "dns:example.com", "dns:*.example.com", "ip:192.0.2.1", "ip:2001:db8::1", "email:a@example.com", "uri:https://…". */
export const SanSchema = z
  .string()
  .max(2048)
  .regex(/^(dns|ip|email|uri):.+$/s, 'must start with dns:, ip:, email: or uri:');

/** A CA's unique handle, used by the CLI and URLs alike. */
export const CaNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'letters, digits, space, dot, underscore and dash only');

/** Thirty years, the longest a root may live. */
export const MAX_ROOT_VALIDITY_DAYS = 10_958;

export const ROOT_KEY_ALGORITHMS = ['rsa-3072', 'rsa-4096', 'ec-p384'] as const;

export const CreateRootCaInput = z.object({
  name: CaNameSchema,
  subject: SubjectSchema,
  algorithm: z.enum(ROOT_KEY_ALGORITHMS),
  validityDays: z.number().int().min(1).max(MAX_ROOT_VALIDITY_DAYS),
});
export type CreateRootCaInput = z.infer<typeof CreateRootCaInput>;

export const CreateIntermediateCaInput = z.object({
  parentId: z.string().min(1),
  name: CaNameSchema,
  subject: SubjectSchema,
  algorithm: KeyAlgorithmSchema,
  validityDays: z.number().int().min(1).max(MAX_ROOT_VALIDITY_DAYS),
  /** Null or absent: no path length constraint below this CA. */
  pathLength: z.number().int().min(0).max(8).nullable().optional(),
});
export type CreateIntermediateCaInput = z.infer<typeof CreateIntermediateCaInput>;

export const CreateSubordinateCsrInput = z.object({
  name: CaNameSchema,
  subject: SubjectSchema,
  algorithm: KeyAlgorithmSchema,
});
export type CreateSubordinateCsrInput = z.infer<typeof CreateSubordinateCsrInput>;

export const ImportSignedCertificateInput = z.object({
  caId: z.string().min(1),
  /** The sub-CA certificate signed by the external root, PEM. */
  certificatePem: z.string().min(1).max(1_048_576),
  /** The external issuers up to the root, PEM, so chain exports are complete. */
  issuerChainPem: z.string().max(1_048_576).optional(),
});
export type ImportSignedCertificateInput = z.infer<typeof ImportSignedCertificateInput>;

export const RevokeCaInput = z.object({
  caId: z.string().min(1),
  reason: RevocationReasonSchema,
});
export type RevokeCaInput = z.infer<typeof RevokeCaInput>;

/**
 * `csr` is PEM text or base64 DER. The generous upper bound lets the service itself refuse
 * anything over 64 KiB with a typed, audited error.
 */
export const IssueFromCsrInput = z.object({
  caId: z.string().min(1),
  profile: ProfileIdSchema,
  csr: z.string().min(1).max(1_048_576),
  /** Replaces the CSR's subject where the profile allows it. */
  subject: SubjectSchema.optional(),
  /** Replaces the CSR's SANs. */
  sans: z.array(SanSchema).max(100).optional(),
  validityDays: z.number().int().min(1).max(MAX_ROOT_VALIDITY_DAYS).optional(),
  /** Only for the intermediate-ca profile. */
  pathLength: z.number().int().min(0).max(8).nullable().optional(),
});
export type IssueFromCsrInput = z.infer<typeof IssueFromCsrInput>;

export const IssueWithServerKeyInput = z.object({
  caId: z.string().min(1),
  profile: ProfileIdSchema,
  algorithm: KeyAlgorithmSchema,
  subject: SubjectSchema,
  sans: z.array(SanSchema).max(100).default([]),
  validityDays: z.number().int().min(1).max(MAX_ROOT_VALIDITY_DAYS).optional(),
  /** Ask for a one-time PKCS#12 download; granted only when the key store and profile allow it. */
  isExportable: z.boolean().default(false),
});
export type IssueWithServerKeyInput = z.input<typeof IssueWithServerKeyInput>;

/** Serials are hex, any case, colons optional ("0A:1b…" or "0a1b…"). */
export const SerialHexSchema = z
  .string()
  .regex(/^[0-9A-Fa-f]{2}(:?[0-9A-Fa-f]{2})*$|^[0-9A-Fa-f]+$/, 'must be hexadecimal, colons optional');

export const CertificateRefSchema = z.union([
  z.object({ id: z.string().min(1) }),
  z.object({ caId: z.string().min(1), serialHex: SerialHexSchema }),
]);
export type CertificateRef = z.infer<typeof CertificateRefSchema>;

export const RevokeCertificateInput = z.intersection(
  CertificateRefSchema,
  z.object({ reason: RevocationReasonSchema }),
);
export type RevokeCertificateInput = z.infer<typeof RevokeCertificateInput>;

/** Inventory sorts: `<key>.<direction>`; `notBefore` is the issue date. */
export const CERTIFICATE_SORTS = [
  'notBefore.desc',
  'notBefore.asc',
  'notAfter.asc',
  'notAfter.desc',
  'subject.asc',
  'subject.desc',
] as const;
export const CertificateSortSchema = z.enum(CERTIFICATE_SORTS);
export type CertificateSort = z.infer<typeof CertificateSortSchema>;

/** The inventory's filters; the CSV export takes the same ones. */
export const CertificateFilterSchema = z.object({
  status: z.enum(CERTIFICATE_STATUSES).optional(),
  caId: z.string().min(1).optional(),
  profile: z.string().min(1).optional(),
  keyAlgorithm: KeyAlgorithmSchema.optional(),
  /** ISO 8601 instant; certificates whose notAfter is at or after it. */
  expiresAfter: z.iso.datetime({ offset: true }).optional(),
  /** ISO 8601 instant; certificates whose notAfter is before it. */
  expiresBefore: z.iso.datetime({ offset: true }).optional(),
  /** The CLI's name for `expiresBefore`; kept so older clients work. */
  expiringBefore: z.iso.datetime({ offset: true }).optional(),
  /** Matched against subject, SANs and serial (hex, colons optional). */
  search: z.string().trim().min(1).max(200).optional(),
  /** Default `notBefore.desc`: newest issued first. */
  sort: CertificateSortSchema.optional(),
});
export type CertificateFilter = z.input<typeof CertificateFilterSchema>;

export const ListCertificatesInput = CertificateFilterSchema.extend({
  /** Opaque, from the previous page's `nextCursor`; valid only with the same sort. */
  cursor: z.string().min(1).max(600).optional(),
  limit: z.number().int().min(1).max(500).default(50),
});
export type ListCertificatesInput = z.input<typeof ListCertificatesInput>;

export const ExportCertificatesCsvInput = CertificateFilterSchema;
export type ExportCertificatesCsvInput = z.input<typeof ExportCertificatesCsvInput>;

export const CertificateCsvSchema = z.object({
  filename: z.string(),
  csv: z.string(),
  rowCount: z.number(),
  /** True when the filter matched more rows than one export carries. */
  isTruncated: z.boolean(),
});
export type CertificateCsv = z.infer<typeof CertificateCsvSchema>;

/** Parsed before issuance so the wizard can show what the server would take and refuse. */
export const PreviewCsrInput = z.object({
  csrPem: z.string().min(1).max(1_048_576),
  profile: ProfileIdSchema.optional(),
  caId: z.string().min(1).optional(),
  /** Overrides as the wizard would send them to issueFromCsr. */
  subject: SubjectSchema.optional(),
  sans: z.array(SanSchema).max(100).optional(),
  validityDays: z.number().int().min(1).max(MAX_ROOT_VALIDITY_DAYS).optional(),
});
export type PreviewCsrInput = z.input<typeof PreviewCsrInput>;

export const CsrPreviewSchema = z.object({
  /** False when the CSR could not be read at all; `problems` says why. */
  isParsed: z.boolean(),
  subjectDn: z.string().nullable(),
  commonName: z.string().nullable(),
  subject: z.array(z.object({ name: z.string(), value: z.string() })),
  sans: z.array(z.string()),
  keyType: z.enum(['rsa', 'ec']).nullable(),
  keySize: z.number().nullable(),
  /** The key algorithm as the profiles name it (rsa-2048, ec-p256…), when it is one we accept. */
  keyAlgorithm: KeyAlgorithmSchema.nullable(),
  signatureAlgorithm: z.string().nullable(),
  isSignatureValid: z.boolean().nullable(),
  sha256: z.string().nullable(),
  /** What issuance with this profile would put in the certificate; null when it would refuse. */
  profileCheck: z
    .object({
      profile: ProfileIdSchema,
      isAccepted: z.boolean(),
      subjectDn: z.string().nullable(),
      sans: z.array(z.string()),
      notAfter: z.string().nullable(),
      /** The server's own refusal, code and message, exactly as issueFromCsr would answer. */
      refusal: z.object({ code: z.string(), message: z.string() }).nullable(),
    })
    .nullable(),
  /** Problems reading the CSR itself (code and message from the parser). */
  problems: z.array(z.object({ code: z.string(), message: z.string() })),
});
export type CsrPreview = z.infer<typeof CsrPreviewSchema>;

export const DescribeCertificateInput = z.object({ id: z.string().min(1) });
export type DescribeCertificateInput = z.infer<typeof DescribeCertificateInput>;

export const EXPORT_FORMATS = ['pem', 'der', 'chain', 'pkcs7', 'pkcs12'] as const;
export const ExportFormatSchema = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;

export const ExportCertificateInput = z.object({
  id: z.string().min(1),
  format: ExportFormatSchema,
  /** Required for pkcs12: protects the private key in the file. */
  password: z.string().min(8).max(256).optional(),
});
export type ExportCertificateInput = z.infer<typeof ExportCertificateInput>;

export const KeyLifecycleInput = z.object({
  keyId: z.string().min(1),
  reason: RevocationReasonSchema,
  /** Overrides the live-certificate guard; demands `forceReason`. */
  isForced: z.boolean().default(false),
  forceReason: z.string().trim().min(1).max(500).optional(),
});
export type KeyLifecycleInput = z.input<typeof KeyLifecycleInput>;

// Outputs. Instants are ISO 8601 strings so they survive JSON unchanged.

export const CaSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  parentId: z.string().nullable(),
  keyId: z.string(),
  keyAlgorithm: KeyAlgorithmSchema,
  subjectDn: z.string(),
  serialHex: z.string().nullable(),
  notBefore: z.string().nullable(),
  notAfter: z.string().nullable(),
  pathLength: z.number().nullable(),
  status: z.enum(CA_STATUSES),
  isRoot: z.boolean(),
  revocationReason: RevocationReasonSchema.nullable(),
  revokedAt: z.string().nullable(),
  crlNumber: z.number(),
  createdAt: z.string(),
});
export type CaSummary = z.infer<typeof CaSummarySchema>;

export const CertificateSummarySchema = z.object({
  id: z.string(),
  caId: z.string(),
  serialHex: z.string(),
  subjectDn: z.string(),
  commonName: z.string().nullable(),
  sans: z.array(z.string()),
  profile: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  status: z.enum(CERTIFICATE_STATUSES),
  revocationReason: RevocationReasonSchema.nullable(),
  revokedAt: z.string().nullable(),
  keyId: z.string().nullable(),
  /** Null on certificates issued before it was recorded. */
  keyAlgorithm: KeyAlgorithmSchema.nullable(),
  /** Whether a one-time PKCS#12 download is still available. */
  canExportPrivateKey: z.boolean(),
  createdAt: z.string(),
});
export type CertificateSummary = z.infer<typeof CertificateSummarySchema>;

/**
 * What a revocation says of the CRL that must list it: re-signed already, or not yet (the
 * key store did not answer) and retried from `retryAt` on; the revocation itself is
 * committed either way, and OCSP answers `revoked` at once.
 */
export const CrlPublicationSchema = z.discriminatedUnion('published', [
  z.object({ published: z.literal(true), crlNumber: z.number() }),
  z.object({ published: z.literal(false), retryAt: z.string() }),
]);
export type CrlPublication = z.infer<typeof CrlPublicationSchema>;

/** `certificates.revoke`: the certificate as revoked, and the CRL's state. */
export const RevokedCertificateSchema = CertificateSummarySchema.extend({ crl: CrlPublicationSchema });
export type RevokedCertificate = z.infer<typeof RevokedCertificateSchema>;

/** `cas.revoke`: the CA as revoked, and the state of the CRLs that must list the revocations. */
export const RevokedCaSchema = CaSummarySchema.extend({ crl: CrlPublicationSchema });
export type RevokedCa = z.infer<typeof RevokedCaSchema>;

export const CertificatePageSchema = z.object({
  items: z.array(CertificateSummarySchema),
  nextCursor: z.string().nullable(),
});
export type CertificatePage = z.infer<typeof CertificatePageSchema>;

export const ProfileSummarySchema = z.object({
  id: ProfileIdSchema,
  displayName: z.string(),
  description: z.string(),
  keyUsage: z.array(z.string()),
  extendedKeyUsage: z.array(z.string()),
  isCa: z.boolean(),
  allowedKeyAlgorithms: z.array(KeyAlgorithmSchema),
  allowedSanTypes: z.array(z.enum(SAN_TYPES)),
  requiredSanTypes: z.array(z.enum(SAN_TYPES)),
  defaultValidityDays: z.number(),
  maxValidityDays: z.number(),
  canExportPrivateKey: z.boolean(),
});
export type ProfileSummary = z.infer<typeof ProfileSummarySchema>;

export const CertificateExtensionSchema = z.object({
  oid: z.string(),
  name: z.string(),
  isCritical: z.boolean(),
  /** Decoded lines, e.g. "Digital Signature", "DNS:example.com", "CA:FALSE". */
  values: z.array(z.string()),
});
export type CertificateExtension = z.infer<typeof CertificateExtensionSchema>;

export const CertificateDescriptionSchema = z.object({
  certificate: CertificateSummarySchema,
  issuerDn: z.string(),
  publicKey: z.object({
    type: z.string(),
    size: z.number().nullable(),
    curve: z.string().nullable(),
    spkiSha256: z.string(),
  }),
  signatureAlgorithm: z.string(),
  fingerprints: z.object({ sha256: z.string(), sha1: z.string() }),
  extensions: z.array(CertificateExtensionSchema),
  /** This certificate first, then its issuers up to the root: subject and notAfter of each. */
  chain: z.array(z.object({ subjectDn: z.string(), notAfter: z.string(), caId: z.string().nullable() })),
  certificatePem: z.string(),
});
export type CertificateDescription = z.infer<typeof CertificateDescriptionSchema>;

/**
 * `cas.describe`: the CA detail page. The certificate decoded as `certificates.describe`
 * decodes one (null while a sub-CA waits for its signed certificate), the public addresses
 * relying parties use, and the latest published CRL (null before the first one is signed).
 */
export const CaDescriptionSchema = z.object({
  ca: CaSummarySchema,
  certificate: z
    .object({
      subjectDn: z.string(),
      issuerDn: z.string(),
      serialHex: z.string(),
      notBefore: z.string(),
      notAfter: z.string(),
      publicKey: CertificateDescriptionSchema.shape.publicKey,
      signatureAlgorithm: z.string(),
      fingerprints: CertificateDescriptionSchema.shape.fingerprints,
      extensions: z.array(CertificateExtensionSchema),
      certificatePem: z.string(),
    })
    .nullable(),
  urls: z.object({ crl: z.string(), ocsp: z.string(), caCertificate: z.string() }),
  crl: z
    .object({
      crlNumber: z.number(),
      thisUpdate: z.string(),
      nextUpdate: z.string(),
      entryCount: z.number(),
    })
    .nullable(),
});
export type CaDescription = z.infer<typeof CaDescriptionSchema>;

/**
 * The audit integrity procedures (issue 12): the audit signer, background verification and
 * the query of `GET /audit/export`, shared by the server, the CLI and the UI.
 */
import { z } from 'zod';

/** `audit.verify`: starts a verification, or joins the one running. */
export const VerifyAuditInput = z
  .object({
    /** Walk from row 1 instead of resuming after the last verified checkpoint. */
    full: z.boolean().optional(),
  })
  .optional();
export type VerifyAuditInput = z.infer<typeof VerifyAuditInput>;

/** `audit.verifyStatus`: the run named, or the latest when none is. */
export const AuditVerifyStatusInput = z.object({ runId: z.string().min(1).max(64).optional() }).optional();
export type AuditVerifyStatusInput = z.infer<typeof AuditVerifyStatusInput>;

export const AUDIT_CHAIN_FAULTS = [
  'missing-row',
  'broken-link',
  'hash-mismatch',
  'malformed-row',
  'truncated',
  'bad-checkpoint',
  'unknown-signer',
  'forged-checkpoint',
  'checkpoint-mismatch',
] as const;
export type AuditChainFault = (typeof AUDIT_CHAIN_FAULTS)[number];

export const AuditVerificationResultSchema = z.discriminatedUnion('isValid', [
  z.object({
    isValid: z.literal(true),
    /** The walk began after this row (0: from row 1). */
    fromSeq: z.number(),
    /** Every row through this one verified. */
    verifiedThroughSeq: z.number(),
    rowCount: z.number(),
    checkpointCount: z.number(),
    /** The last signed checkpoint that verified (ISO 8601), if any. */
    lastCheckpoint: z.object({ seq: z.number(), time: z.string() }).nullable(),
    summary: z.string(),
    finishedAt: z.string(),
  }),
  z.object({
    isValid: z.literal(false),
    fromSeq: z.number(),
    firstBadSeq: z.number(),
    reason: z.enum(AUDIT_CHAIN_FAULTS),
    summary: z.string(),
    finishedAt: z.string(),
  }),
]);
export type AuditVerificationResult = z.infer<typeof AuditVerificationResultSchema>;

export const AuditVerificationRunSchema = z.object({
  runId: z.string(),
  isFull: z.boolean(),
  state: z.enum(['running', 'finished', 'failed']),
  startedAt: z.string(),
  progress: z.object({ walked: z.number(), total: z.number() }),
  result: AuditVerificationResultSchema.nullable(),
  /** Why the run could not complete (not a chain fault: e.g. the database could not be read). */
  error: z.string().nullable(),
});
export type AuditVerificationRun = z.infer<typeof AuditVerificationRunSchema>;

/** `audit.signer`: the certificate checkpoints are signed with, for `--signer` and the UI. */
export const AuditSignerInfoSchema = z.object({
  certificatePem: z.string(),
  /** Lowercase hex SHA-256 of the certificate's DER: the `signer` of every checkpoint. */
  fingerprint: z.string(),
  keyId: z.string(),
  algorithm: z.string(),
});
export type AuditSignerInfo = z.infer<typeof AuditSignerInfoSchema>;

export const AUDIT_EXPORT_FORMATS = ['ndjson', 'csv'] as const;

/** The query of `GET /audit/export`: the rows whose timestamps fall in [from, to]. */
export const AuditExportQuery = z.object({
  format: z.enum(AUDIT_EXPORT_FORMATS).default('ndjson'),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export type AuditExportQuery = z.infer<typeof AuditExportQuery>;

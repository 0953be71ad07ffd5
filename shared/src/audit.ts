/**
 * Inputs and outputs of the audit review procedures (issue 12): search, one row, the
 * compliance summary and its CSV form, and a certificate's key-custody evidence. Same
 * conventions as pki.ts: zod schemas, types inferred.
 */
import { z } from 'zod';

import { AUDIT_STATUSES, KEY_ALGORITHMS, KEY_STATES, KMS_BACKENDS } from './enums.js';
import { SerialHexSchema } from './pki.js';

export const AUDIT_ORDERS = ['desc', 'asc'] as const;
export type AuditOrder = (typeof AUDIT_ORDERS)[number];

export const ListAuditInput = z
  .object({
    operation: z.string().min(1).max(100).optional(),
    /**
     * An entity is its type and id, both or neither: the index is on (type, id), so a type
     * alone would be a sort of all its rows (every signature is a `kms_key` row).
     */
    entityType: z.string().min(1).max(100).optional(),
    entityId: z.string().min(1).max(128).optional(),
    actor: z.string().min(1).max(200).optional(),
    status: z.enum(AUDIT_STATUSES).optional(),
    requestId: z.string().min(1).max(200).optional(),
    /** ISO 8601 instants bounding the row timestamps. */
    since: z.iso.datetime().optional(),
    until: z.iso.datetime().optional(),
    /** Newest first (default) or oldest first. */
    order: z.enum(AUDIT_ORDERS).default('desc'),
    /** Opaque, from the previous page's `nextCursor`, with the same filters and order. */
    cursor: z.string().min(1).max(100).optional(),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .refine((input) => (input.entityId === undefined) === (input.entityType === undefined), {
    path: ['entityId'],
    message: 'entityType and entityId go together (an entity is TYPE:ID)',
  });
export type ListAuditInput = z.input<typeof ListAuditInput>;

export const AuditEntrySchema = z.object({
  seq: z.number(),
  id: z.string(),
  timestamp: z.string(),
  actor: z.string(),
  operation: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  status: z.enum(AUDIT_STATUSES),
  details: z.record(z.string(), z.unknown()),
  kmsOperationId: z.string().nullable(),
  requestId: z.string().nullable(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** A row as audit.get answers it: every field, the chain link included. */
export const AuditRowSchema = AuditEntrySchema.extend({ prevHash: z.string() });
export type AuditRow = z.infer<typeof AuditRowSchema>;

export const AuditPageSchema = z.object({
  items: z.array(AuditEntrySchema),
  nextCursor: z.string().nullable(),
});
export type AuditPage = z.infer<typeof AuditPageSchema>;

export const GetAuditInput = z.object({ seq: z.number().int().min(1) });
export type GetAuditInput = z.infer<typeof GetAuditInput>;

export const AuditSummaryInput = z.object({
  since: z.iso.datetime(),
  /** Default: now. */
  until: z.iso.datetime().optional(),
});
export type AuditSummaryInput = z.input<typeof AuditSummaryInput>;

/** How many rows a summary lists by name per section; the totals count them all. */
export const AUDIT_SUMMARY_LIST_LIMIT = 500;

const CountSchema = z.object({ name: z.string(), count: z.number() });
const ListedRowsSchema = z.object({ total: z.number(), items: z.array(AuditEntrySchema) });

export const AuditSummarySchema = z.object({
  since: z.string(),
  until: z.string(),
  /** The seq range the period covers; null bounds when it holds no row. */
  firstSeq: z.number().nullable(),
  lastSeq: z.number().nullable(),
  rowCount: z.number(),
  byOperation: z.array(CountSchema),
  byActor: z.array(CountSchema),
  byStatus: z.array(CountSchema),
  /** Rows whose status is failure or denied, oldest first. */
  unsuccessful: ListedRowsSchema,
  keysCreated: ListedRowsSchema,
  keysRevoked: ListedRowsSchema,
  keysDestroyed: ListedRowsSchema,
  casCreated: ListedRowsSchema,
  casRevoked: ListedRowsSchema,
});
export type AuditSummary = z.infer<typeof AuditSummarySchema>;

const LISTED_SECTIONS = [
  ['unsuccessful', 'unsuccessful'],
  ['keysCreated', 'key created'],
  ['keysRevoked', 'key revoked'],
  ['keysDestroyed', 'key destroyed'],
  ['casCreated', 'CA created'],
  ['casRevoked', 'CA revoked'],
] as const;

/**
 * The summary as one CSV table (RFC 4180, CRLF): `section,name,count,seq,timestamp,actor,
 * operation,entity,status,error`. Counts first (section `operation`, `actor`, `status`,
 * `total`), then each listed row. Shared by the CLI and the console so both export the same file.
 */
export function auditSummaryCsv(summary: AuditSummary): string {
  const header = ['section', 'name', 'count', 'seq', 'timestamp', 'actor', 'operation', 'entity', 'status', 'error'];
  const lines: string[][] = [header];
  lines.push(['period', `${summary.since}/${summary.until}`, String(summary.rowCount), '', '', '', '', '', '', '']);
  for (const [section, counts] of [
    ['operation', summary.byOperation],
    ['actor', summary.byActor],
    ['status', summary.byStatus],
  ] as const) {
    for (const { name, count } of counts) lines.push([section, name, String(count), '', '', '', '', '', '', '']);
  }
  for (const [key, label] of LISTED_SECTIONS) {
    const listed = summary[key];
    lines.push(['total', label, String(listed.total), '', '', '', '', '', '', '']);
    for (const row of listed.items) {
      const error = typeof row.details.errorCode === 'string' ? row.details.errorCode : '';
      const entity = row.entityId === null ? row.entityType : `${row.entityType}:${row.entityId}`;
      lines.push([label, '', '', String(row.seq), row.timestamp, row.actor, row.operation, entity, row.status, error]);
    }
  }
  return lines.map((cells) => `${cells.map(csvCell).join(',')}\r\n`).join('');
}

/** RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so a spreadsheet does not run it. */
function csvCell(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const CertificateCustodyInput = z.object({
  caId: z.string().min(1).max(128),
  serialHex: SerialHexSchema,
});
export type CertificateCustodyInput = z.infer<typeof CertificateCustodyInput>;

/** What the key store itself reports of a key; null where the store cannot say. */
export const KeyStoreReportSchema = z.object({
  state: z.string(),
  isSensitive: z.boolean().nullable(),
  isNeverExtractable: z.boolean().nullable(),
  isExtractable: z.boolean().nullable(),
});
export type KeyStoreReport = z.infer<typeof KeyStoreReportSchema>;

export const CertificateCustodySchema = z.object({
  certificate: z.object({ id: z.string(), caId: z.string(), serialHex: z.string(), subjectDn: z.string() }),
  /** The issuing CA's key. */
  key: z.object({
    id: z.string(),
    label: z.string(),
    backend: z.enum(KMS_BACKENDS),
    /** The key store's own id of the private key. */
    keyStoreId: z.string(),
    algorithm: z.enum(KEY_ALGORITHMS),
    state: z.enum(KEY_STATES),
    /** Asked of the key store now; null when the key is destroyed. */
    keyStore: KeyStoreReportSchema.nullable(),
  }),
  /** The row recording the certificate's issuance. */
  issuance: AuditEntrySchema.nullable(),
  /** The `kms.sign` row of the signature over this certificate. */
  signature: AuditEntrySchema.nullable(),
  /** The first checkpoint covering the signature row; null = not covered yet. */
  checkpoint: AuditEntrySchema.nullable(),
});
export type CertificateCustody = z.infer<typeof CertificateCustodySchema>;

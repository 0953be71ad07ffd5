/**
 * Inputs and outputs of the procedures over keys and CAs by reference, whose services take
 * plain arguments (the audit log's are in audit.ts). Same conventions as pki.ts: zod schemas, types inferred.
 */
import { z } from 'zod';

import { KEY_ALGORITHMS, KEY_PURPOSES, KEY_STATES, KMS_BACKENDS, REVOCATION_REASONS } from './enums.js';

/** A CA by id or by its unique name. */
export const CaRefInput = z.object({ caId: z.string().min(1).max(128) });
export type CaRefInput = z.infer<typeof CaRefInput>;

export const KeyRefInput = z.object({ keyId: z.string().min(1).max(128) });
export type KeyRefInput = z.infer<typeof KeyRefInput>;

export const ListKeysInput = z.object({
  state: z.enum(KEY_STATES).optional(),
  purpose: z.enum(KEY_PURPOSES).optional(),
});
export type ListKeysInput = z.infer<typeof ListKeysInput>;

/**
 * Destruction is irreversible: the caller types the key's label back as confirmation.
 * Forcing past a CA's live certificates works as in KeyLifecycleInput (pki.ts).
 */
export const DestroyKeyInput = z.object({
  keyId: z.string().min(1).max(128),
  confirmLabel: z.string().min(1).max(256),
  isForced: z.boolean().default(false),
  forceReason: z.string().trim().min(1).max(500).optional(),
});
export type DestroyKeyInput = z.input<typeof DestroyKeyInput>;

export const KeySummarySchema = z.object({
  id: z.string(),
  label: z.string(),
  backend: z.enum(KMS_BACKENDS),
  algorithm: z.enum(KEY_ALGORITHMS),
  purpose: z.enum(KEY_PURPOSES),
  state: z.enum(KEY_STATES),
  isExportable: z.boolean(),
  exportedAt: z.string().nullable(),
  revocationReason: z.enum(REVOCATION_REASONS).nullable(),
  revokedAt: z.string().nullable(),
  destroyedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type KeySummary = z.infer<typeof KeySummarySchema>;

/**
 * The most calls one tRPC batch request may carry (issue 15: one batch of 226 calls froze the
 * server). The server refuses larger batches with 400; the console's batch link splits at it.
 */
export const MAX_TRPC_BATCH_SIZE = 50;

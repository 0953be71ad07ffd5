import { z } from 'zod';

import { HEALTH_STATES, KmsBackendSchema } from './enums.js';

export const ComponentHealthSchema = z.object({
  state: z.enum(HEALTH_STATES),
  /** Why the component is not up, in words fit for an operator. */
  detail: z.string().optional(),
  /** How long the health probe took, in milliseconds (the key store's round trip). */
  latencyMs: z.number().nonnegative().optional(),
});
export type ComponentHealth = z.infer<typeof ComponentHealthSchema>;

export const SystemStatusSchema = z.object({
  version: z.string(),
  uptimeSeconds: z.number(),
  mode: z.enum(['production', 'development', 'test']),
  kms: z.object({
    backend: KmsBackendSchema,
    label: z.string(),
    health: ComponentHealthSchema,
  }),
  database: ComponentHealthSchema,
  /** PKI_AUDIT_SINKS, each with how far it has delivered; a failing sink says why. */
  auditSinks: z.array(
    z.object({
      name: z.string(),
      isHealthy: z.boolean(),
      deliveredThroughSeq: z.number(),
      lastError: z.string().optional(),
      failingSince: z.string().optional(),
    }),
  ),
});
export type SystemStatus = z.infer<typeof SystemStatusSchema>;

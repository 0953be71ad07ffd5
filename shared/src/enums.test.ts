import { describe, expect, it } from 'vitest';

import {
  KMS_BACKEND_LABELS,
  KMS_BACKENDS,
  KeyAlgorithmSchema,
  REVOCATION_REASON_CODES,
  RevocationReasonSchema,
} from './enums.js';
import { SystemStatusSchema } from './system.js';

describe('shared enums', () => {
  it('carries the RFC 5280 §5.3.1 CRLReason codes, 7 unused', () => {
    expect(REVOCATION_REASON_CODES).toEqual({
      unspecified: 0,
      keyCompromise: 1,
      cACompromise: 2,
      affiliationChanged: 3,
      superseded: 4,
      cessationOfOperation: 5,
      certificateHold: 6,
      removeFromCRL: 8,
      privilegeWithdrawn: 9,
      aACompromise: 10,
    });
    expect(RevocationReasonSchema.safeParse('keyCompromise').success).toBe(true);
    expect(RevocationReasonSchema.safeParse('compromised').success).toBe(false);
  });

  it('labels every key store backend for the UI badge', () => {
    expect(Object.keys(KMS_BACKEND_LABELS).sort()).toEqual([...KMS_BACKENDS].sort());
    expect(KMS_BACKEND_LABELS.local).toBe('local (embedded)');
  });

  it('refuses key algorithms we do not generate', () => {
    expect(KeyAlgorithmSchema.safeParse('rsa-4096').success).toBe(true);
    expect(KeyAlgorithmSchema.safeParse('rsa-1024').success).toBe(false);
  });

  it('describes the status the dashboard shows', () => {
    const status = {
      version: '0.1.0',
      uptimeSeconds: 3,
      mode: 'production',
      kms: { backend: 'local', label: 'local (embedded)', health: { state: 'up' } },
      database: { state: 'down', detail: 'database query failed' },
      auditSinks: [],
    };
    expect(SystemStatusSchema.parse(status)).toEqual(status);
    expect(SystemStatusSchema.safeParse({ ...status, kms: { ...status.kms, backend: 'vault' } }).success).toBe(false);
  });
});

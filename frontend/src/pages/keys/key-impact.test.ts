import { describe, expect, it } from 'vitest';

import { describeKeyImpact, liveCertificatesOf } from './key-impact.js';

const signing = {
  keyId: 'k1',
  cas: [{ id: 'ca1', name: 'Issuing CA', status: 'active' as const, liveCertificateCount: 3 }],
};

describe('describeKeyImpact', () => {
  it('names the CA that can no longer sign and its live certificates', () => {
    expect(describeKeyImpact(signing, 'destroy')).toEqual([
      'CA Issuing CA can no longer sign: no new certificates, no CRL, no OCSP.',
      'Its 3 unexpired, unrevoked certificates can no longer be revoked, and relying parties will see its last CRL go stale.',
      'This cannot be undone: the key cannot be recovered.',
    ]);
    expect(liveCertificatesOf(signing)).toBe(3);
  });

  it('says so when no CA depends on the key', () => {
    expect(describeKeyImpact({ keyId: 'k2', cas: [] }, 'revoke')).toEqual([
      'No CA signs with this key. The key store will refuse to sign with it from now on.',
    ]);
    expect(liveCertificatesOf(undefined)).toBe(0);
  });
});

import type { KeyAlgorithm, RevocationReason } from '@pki/shared';

const ALGORITHM_LABELS: Record<KeyAlgorithm, string> = {
  'rsa-2048': 'RSA 2048',
  'rsa-3072': 'RSA 3072',
  'rsa-4096': 'RSA 4096',
  'ec-p256': 'EC P-256',
  'ec-p384': 'EC P-384',
};

export function describeAlgorithm(algorithm: KeyAlgorithm): string {
  return ALGORITHM_LABELS[algorithm];
}

/** RFC 5280 §5.3.1 reasons a CA may be revoked for, in plain words. */
export const CA_REVOCATION_REASONS: { id: RevocationReason; label: string }[] = [
  { id: 'cACompromise', label: 'CA key compromised' },
  { id: 'keyCompromise', label: 'Key compromised' },
  { id: 'superseded', label: 'Superseded by a new CA' },
  { id: 'cessationOfOperation', label: 'No longer operated' },
  { id: 'affiliationChanged', label: 'Affiliation changed' },
  { id: 'unspecified', label: 'Unspecified' },
];

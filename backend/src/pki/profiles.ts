/**
 * Certificate profiles as data: what each kind of certificate carries and what a request
 * may ask for. The builder reads these rows; no profile is a code branch.
 * Key usages follow RFC 5280 §4.2.1.3 and the CA/Browser Forum Baseline Requirements
 * §7.1.2 (TLS validity ≤ 398 days); keyEncipherment is only meaningful for RSA keys.
 */
import type { KeyAlgorithm, ProfileId, ProfileSummary, SanType } from '@pki/shared';
import { PROFILE_IDS } from '@pki/shared';

import { pkiErrors } from './errors.js';

export const KEY_USAGE_BITS = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const;
export type KeyUsage = keyof typeof KEY_USAGE_BITS;

export const EXTENDED_KEY_USAGES = [
  'serverAuth',
  'clientAuth',
  'codeSigning',
  'emailProtection',
  'ocspSigning',
] as const;
export type ExtendedKeyUsage = (typeof EXTENDED_KEY_USAGES)[number];

export interface CertificateProfile {
  id: ProfileId | 'ocsp-signing';
  displayName: string;
  description: string;
  keyUsage: readonly KeyUsage[];
  /** Added only when the subject key is RSA. */
  rsaOnlyKeyUsage: readonly KeyUsage[];
  extendedKeyUsage: readonly ExtendedKeyUsage[];
  isCa: boolean;
  allowedKeyAlgorithms: readonly KeyAlgorithm[];
  allowedSanTypes: readonly SanType[];
  /** The most SANs a certificate may carry, whether asked for in the call or in the CSR. */
  maxSans: number;
  /**
   * A kept common name must equal one of the SANs (CA/Browser Forum BR §7.1.4.3 for TLS
   * server certificates): a CN that no SAN backs is what a name-confusion attack rides on.
   */
  isCommonNameFromSans: boolean;
  /** At least one SAN of one of these types; empty means SANs are optional. */
  requiredSanTypes: readonly SanType[];
  defaultValidityDays: number;
  maxValidityDays: number;
  /** What of a CSR's subject is kept: all validated attributes or the common name alone. */
  csrSubject: 'all' | 'common-name';
  /** When the CSR has no SAN and the CN is a host name, add it as dns SAN (what browsers need). */
  doesPromoteCommonNameToSan: boolean;
  /** Whether a server-generated key may be downloaded once as PKCS#12. */
  canExportPrivateKey: boolean;
  /** OCSP signers carry id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1). */
  hasOcspNoCheck?: boolean;
}

const END_ENTITY_KEYS: readonly KeyAlgorithm[] = ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256', 'ec-p384'];
const TLS_MAX_DAYS = 398;

/**
 * How a certificate a TLS server presents is named (CA/Browser Forum BR §7.1.2, §7.1.4):
 * DNS or IP SANs required, a kept common name backed by one of them, a bare host name in a
 * CSR promoted to a SAN, the BR validity bound. Every profile a server presents takes it whole.
 */
const TLS_SERVER_NAMING = {
  maxSans: 100,
  isCommonNameFromSans: true,
  requiredSanTypes: ['dns', 'ip'],
  defaultValidityDays: 90,
  maxValidityDays: TLS_MAX_DAYS,
  csrSubject: 'common-name',
  doesPromoteCommonNameToSan: true,
} as const satisfies Partial<CertificateProfile>;

export const PROFILES: Readonly<Record<ProfileId, CertificateProfile>> = {
  'tls-server': {
    id: 'tls-server',
    displayName: 'TLS server',
    description: 'Web and service endpoints: serverAuth, DNS/IP names required.',
    keyUsage: ['digitalSignature'],
    rsaOnlyKeyUsage: ['keyEncipherment'],
    extendedKeyUsage: ['serverAuth'],
    isCa: false,
    allowedKeyAlgorithms: END_ENTITY_KEYS,
    allowedSanTypes: ['dns', 'ip'],
    ...TLS_SERVER_NAMING,
    canExportPrivateKey: true,
  },
  'tls-client': {
    id: 'tls-client',
    displayName: 'TLS client',
    description: 'Mutual-TLS clients: clientAuth; names optional.',
    keyUsage: ['digitalSignature'],
    rsaOnlyKeyUsage: [],
    extendedKeyUsage: ['clientAuth'],
    isCa: false,
    allowedKeyAlgorithms: END_ENTITY_KEYS,
    allowedSanTypes: ['dns', 'email', 'uri', 'ip'],
    maxSans: 20,
    isCommonNameFromSans: false,
    requiredSanTypes: [],
    defaultValidityDays: 365,
    maxValidityDays: TLS_MAX_DAYS,
    csrSubject: 'all',
    doesPromoteCommonNameToSan: false,
    canExportPrivateKey: true,
  },
  'tls-server-client': {
    id: 'tls-server-client',
    displayName: 'TLS server and client',
    description: 'Service meshes and peers that both accept and open TLS connections.',
    keyUsage: ['digitalSignature'],
    rsaOnlyKeyUsage: ['keyEncipherment'],
    extendedKeyUsage: ['serverAuth', 'clientAuth'],
    isCa: false,
    allowedKeyAlgorithms: END_ENTITY_KEYS,
    allowedSanTypes: ['dns', 'ip', 'uri'],
    ...TLS_SERVER_NAMING,
    canExportPrivateKey: true,
  },
  'code-signing': {
    id: 'code-signing',
    displayName: 'Code signing',
    description: 'Signing software and scripts: codeSigning; no host names.',
    keyUsage: ['digitalSignature'],
    rsaOnlyKeyUsage: [],
    extendedKeyUsage: ['codeSigning'],
    isCa: false,
    allowedKeyAlgorithms: ['rsa-3072', 'rsa-4096', 'ec-p256', 'ec-p384'],
    allowedSanTypes: ['email', 'uri'],
    maxSans: 10,
    isCommonNameFromSans: false,
    requiredSanTypes: [],
    defaultValidityDays: 365,
    maxValidityDays: 1_095,
    csrSubject: 'all',
    doesPromoteCommonNameToSan: false,
    canExportPrivateKey: false,
  },
  'email-protection': {
    id: 'email-protection',
    displayName: 'E-mail protection (S/MIME)',
    description: 'Signing and encrypting mail: emailProtection, an e-mail address required.',
    keyUsage: ['digitalSignature', 'nonRepudiation'],
    rsaOnlyKeyUsage: ['keyEncipherment'],
    extendedKeyUsage: ['emailProtection'],
    isCa: false,
    allowedKeyAlgorithms: END_ENTITY_KEYS,
    allowedSanTypes: ['email'],
    maxSans: 10,
    isCommonNameFromSans: false,
    requiredSanTypes: ['email'],
    defaultValidityDays: 365,
    maxValidityDays: 825,
    csrSubject: 'all',
    doesPromoteCommonNameToSan: false,
    canExportPrivateKey: true,
  },
  'intermediate-ca': {
    id: 'intermediate-ca',
    displayName: 'Intermediate CA',
    description: 'A subordinate CA: keyCertSign and cRLSign, basic constraints critical.',
    keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'],
    rsaOnlyKeyUsage: [],
    extendedKeyUsage: [],
    isCa: true,
    allowedKeyAlgorithms: ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256', 'ec-p384'],
    allowedSanTypes: [],
    maxSans: 0,
    isCommonNameFromSans: false,
    requiredSanTypes: [],
    defaultValidityDays: 1_825,
    maxValidityDays: 3_650,
    csrSubject: 'all',
    doesPromoteCommonNameToSan: false,
    canExportPrivateKey: false,
  },
};

/** The self-signed root's own shape; not offered for issuance. */
export const ROOT_CA_PROFILE: CertificateProfile = {
  ...PROFILES['intermediate-ca'],
  displayName: 'Root CA',
  description: 'Self-signed trust anchor.',
  keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'],
  maxValidityDays: 10_958,
};

/** Delegated OCSP responder certificates (RFC 6960 §4.2.2.2); issued internally per CA. */
export const OCSP_SIGNING_PROFILE: CertificateProfile = {
  id: 'ocsp-signing',
  displayName: 'OCSP signing',
  description: 'Delegated OCSP responder.',
  keyUsage: ['digitalSignature'],
  rsaOnlyKeyUsage: [],
  extendedKeyUsage: ['ocspSigning'],
  isCa: false,
  allowedKeyAlgorithms: END_ENTITY_KEYS,
  allowedSanTypes: [],
  maxSans: 0,
  isCommonNameFromSans: false,
  requiredSanTypes: [],
  defaultValidityDays: 30,
  maxValidityDays: 90,
  csrSubject: 'common-name',
  doesPromoteCommonNameToSan: false,
  canExportPrivateKey: false,
  hasOcspNoCheck: true,
};

export function getProfile(id: string): CertificateProfile {
  if (!(PROFILE_IDS as readonly string[]).includes(id)) throw pkiErrors.profileNotFound(id);
  return PROFILES[id as ProfileId];
}

export function listProfiles(): ProfileSummary[] {
  return PROFILE_IDS.map((id) => {
    const profile = PROFILES[id];
    return {
      id,
      displayName: profile.displayName,
      description: profile.description,
      keyUsage: [...profile.keyUsage, ...profile.rsaOnlyKeyUsage.map((usage) => `${usage} (RSA)`)],
      extendedKeyUsage: [...profile.extendedKeyUsage],
      isCa: profile.isCa,
      allowedKeyAlgorithms: [...profile.allowedKeyAlgorithms],
      allowedSanTypes: [...profile.allowedSanTypes],
      requiredSanTypes: [...profile.requiredSanTypes],
      defaultValidityDays: profile.defaultValidityDays,
      maxValidityDays: profile.maxValidityDays,
      canExportPrivateKey: profile.canExportPrivateKey,
    };
  });
}

/** Validity in days requested or defaulted, refused beyond the profile's maximum. */
export function resolveValidityDays(profile: CertificateProfile, requested: number | undefined): number {
  const days = requested ?? profile.defaultValidityDays;
  if (days > profile.maxValidityDays) throw pkiErrors.validityExceedsProfile(days, profile.maxValidityDays, profile.id);
  return days;
}

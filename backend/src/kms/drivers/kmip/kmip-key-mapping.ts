/**
 * Translations between our key store vocabulary and KMIP's, shared by the `kmip` and
 * `cosmian` drivers (both speak KMIP; only the transport and the vendor rules differ).
 */
import type { HashAlgorithm, KeyAlgorithm, KeyState, RevocationReason, SignatureScheme } from '@pki/shared';

import { KmsInvalidRequest } from '../../kmip/index.js';
import type { ParsedAttributes, RevocationReasonCode } from '../../kmip/index.js';

/**
 * RFC 5280 CRLReason → KMIP RevocationReasonCode (KMIP 2.1 §11.44). KMIP has no
 * certificateHold/removeFromCRL (certificate states, not key states) nor an attribute
 * authority: AA compromise is an authority-key compromise, so CACompromise, which keeps
 * the key Compromised as KMIP's rule demands for compromises.
 */
export const KMIP_REVOCATION_REASON: Readonly<Record<RevocationReason, RevocationReasonCode>> = {
  unspecified: 'Unspecified',
  keyCompromise: 'KeyCompromise',
  cACompromise: 'CACompromise',
  aACompromise: 'CACompromise',
  affiliationChanged: 'AffiliationChanged',
  superseded: 'Superseded',
  cessationOfOperation: 'CessationOfOperation',
  privilegeWithdrawn: 'PrivilegeWithdrawn',
  certificateHold: 'Unspecified',
  removeFromCRL: 'Unspecified',
};

const KEY_STATE_OF_KMIP: Readonly<Record<string, KeyState>> = {
  PreActive: 'pre-active',
  Active: 'active',
  Deactivated: 'deactivated',
  Compromised: 'compromised',
  Destroyed: 'destroyed',
  DestroyedCompromised: 'destroyed',
  Destroyed_Compromised: 'destroyed',
};

/** KMIP State name → our KeyState; an unknown name is the server's bug, reported as such. */
export function keyStateOf(kmipState: string | undefined): KeyState | undefined {
  return kmipState === undefined ? undefined : KEY_STATE_OF_KMIP[kmipState];
}

export const KMIP_HASH: Readonly<Record<HashAlgorithm, string>> = {
  'sha-256': 'SHA256',
  'sha-384': 'SHA384',
  'sha-512': 'SHA512',
};
export const NODE_HASH: Readonly<Record<HashAlgorithm, string>> = {
  'sha-256': 'sha256',
  'sha-384': 'sha384',
  'sha-512': 'sha512',
};

export type RsaKeyAlgorithm = Extract<KeyAlgorithm, `rsa-${string}`>;
export type EcKeyAlgorithm = Extract<KeyAlgorithm, `ec-${string}`>;

export const RSA_MODULUS_BITS: Readonly<Record<RsaKeyAlgorithm, number>> = {
  'rsa-2048': 2048,
  'rsa-3072': 3072,
  'rsa-4096': 4096,
};
export const EC_CURVE: Readonly<Record<EcKeyAlgorithm, { recommendedCurve: string; bits: number }>> = {
  'ec-p256': { recommendedCurve: 'P256', bits: 256 },
  'ec-p384': { recommendedCurve: 'P384', bits: 384 },
};

export function isRsaAlgorithm(algorithm: KeyAlgorithm): algorithm is RsaKeyAlgorithm {
  return algorithm.startsWith('rsa-');
}

/** Our KeyAlgorithm from the attributes a server reports; undefined when it does not say. */
export function keyAlgorithmOf(attributes: ParsedAttributes): KeyAlgorithm | undefined {
  const algorithm = attributes.cryptographicAlgorithm;
  if (algorithm === 'RSA') {
    const match = Object.entries(RSA_MODULUS_BITS).find(([, bits]) => bits === attributes.cryptographicLength);
    return match?.[0] as KeyAlgorithm | undefined;
  }
  if (algorithm === 'EC' || algorithm === 'ECDSA' || algorithm === 'ECDH') {
    const curve = attributes.cryptographicDomainParameters?.recommendedCurve;
    const match = Object.entries(EC_CURVE).find(
      ([, spec]) =>
        spec.recommendedCurve === curve || (curve === undefined && spec.bits === attributes.cryptographicLength),
    );
    return match?.[0] as KeyAlgorithm | undefined;
  }
  return undefined;
}

/** A scheme must fit the key: PKCS#1 v1.5 and PSS for RSA keys, ECDSA for EC keys. */
export function assertSchemeFitsKey(scheme: SignatureScheme, algorithm: KeyAlgorithm, backend: string): void {
  const fits = scheme === 'ecdsa' ? !isRsaAlgorithm(algorithm) : isRsaAlgorithm(algorithm);
  if (!fits) {
    throw new KmsInvalidRequest(`${backend}: a ${algorithm} key cannot sign with ${scheme}`, { operation: 'Sign' });
  }
}

/** The label a driver stores as the KMIP Name: `<namespace>/<label>`. */
export function kmipName(namespace: string, label: string): string {
  return `${namespace}/${label}`;
}

/** The label part of a Name under our namespace, or undefined for someone else's object. */
export function labelOf(namespace: string, names: readonly { value: string }[] | undefined): string | undefined {
  const prefix = `${namespace}/`;
  const name = names?.find((entry) => entry.value.startsWith(prefix));
  return name?.value.slice(prefix.length);
}

/**
 * Reading the `pkcs11` driver's key objects on the token: the SubjectPublicKeyInfo, the
 * algorithm, and the CKA_LABEL, which carries our label and the revocation mark.
 */
import type { PublicKey, SessionObject } from 'graphene-pk11';

import type { KeyAlgorithm, RevocationReason } from '@pki/shared';
import { REVOCATION_REASON_CODES } from '@pki/shared';

import { KmsInvalidRequest } from '../../kmip/errors.js';
import { curveForParams, ecSpki, rsaSpki } from './key-encoding.js';
import type { Graphene } from './pkcs11-module.js';

export const RSA_BITS: Partial<Record<KeyAlgorithm, number>> = { 'rsa-2048': 2048, 'rsa-3072': 3072, 'rsa-4096': 4096 };
export const ALGORITHMS: readonly KeyAlgorithm[] = ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256', 'ec-p384'];
// Read by number: graphene names CKA_EC_PARAMS twice (paramsEC, paramsECDSA) and returns it under one only.
const CKA_EC_PARAMS = 0x180;
const CKA_EC_POINT = 0x181;

/** Appended to CKA_LABEL on revoke, followed by the reason: `pki-manager/root#revoked:keyCompromise`. */
export const REVOKED_MARK = '#revoked:';

/** What a key's CKA_LABEL says: our label, and the revocation recorded on it if any. */
export interface ParsedLabel {
  label: string;
  revocationReason: RevocationReason | undefined;
}

export function parseLabel(namespace: string, tokenLabel: string): ParsedLabel {
  const withoutNamespace = tokenLabel.slice(namespace.length);
  const markAt = withoutNamespace.lastIndexOf(REVOKED_MARK);
  if (markAt < 0) return { label: withoutNamespace, revocationReason: undefined };
  const reason = withoutNamespace.slice(markAt + REVOKED_MARK.length);
  return {
    label: withoutNamespace.slice(0, markAt),
    // A mark written by hand with an unknown reason still means revoked.
    revocationReason: reason in REVOCATION_REASON_CODES ? (reason as RevocationReason) : 'unspecified',
  };
}

export type KeyPairShape = { rsaBits: number } | { ecParams: Buffer };

const RSA_PUBLIC_EXPONENT = Buffer.from([0x01, 0x00, 0x01]);

/**
 * The templates of a new key pair: two token objects sharing CKA_ID and CKA_LABEL; the
 * private key is sensitive, never extractable, and may only sign.
 */
export function keyPairTemplates(graphene: Graphene, id: Buffer, tokenLabel: string, shape: KeyPairShape) {
  const common = { token: true, label: tokenLabel, id };
  const isRsa = 'rsaBits' in shape;
  const publicTemplate = {
    ...common,
    class: graphene.ObjectClass.PUBLIC_KEY,
    private: false,
    verify: true,
    encrypt: false,
    wrap: false,
    ...(isRsa
      ? { keyType: graphene.KeyType.RSA, modulusBits: shape.rsaBits, publicExponent: RSA_PUBLIC_EXPONENT }
      : { keyType: graphene.KeyType.EC, paramsEC: shape.ecParams }),
  };
  const privateTemplate = {
    ...common,
    class: graphene.ObjectClass.PRIVATE_KEY,
    keyType: isRsa ? graphene.KeyType.RSA : graphene.KeyType.EC,
    private: true,
    sensitive: true,
    extractable: false,
    sign: true,
    decrypt: false,
    unwrap: false,
    derive: false,
  };
  const mechanism = isRsa ? graphene.KeyGenMechanism.RSA : graphene.KeyGenMechanism.EC;
  return { mechanism, publicTemplate, privateTemplate };
}

export function readLabel(object: SessionObject): string {
  return (object.getAttribute({ label: null }).label as string | undefined) ?? '';
}

export function readSpki(graphene: Graphene, publicKey: PublicKey | SessionObject): Uint8Array {
  const keyType = publicKey.getAttribute({ keyType: null }).keyType as number;
  if (keyType === graphene.KeyType.RSA) {
    const { modulus, publicExponent } = publicKey.getAttribute({ modulus: null, publicExponent: null });
    return rsaSpki(modulus as Buffer, publicExponent as Buffer);
  }
  if (keyType === graphene.KeyType.EC) {
    const paramsEC = publicKey.getAttribute(CKA_EC_PARAMS);
    const curve = curveForParams(paramsEC);
    if (curve === undefined) {
      throw new KmsInvalidRequest(`pkcs11: EC key on an unsupported curve (${paramsEC.toString('hex')})`);
    }
    return ecSpki(curve, publicKey.getAttribute(CKA_EC_POINT));
  }
  throw new KmsInvalidRequest(`pkcs11: key type ${keyType} is neither RSA nor EC`);
}

export function readAlgorithm(
  graphene: Graphene,
  privateKey: SessionObject,
  keyType: number,
): KeyAlgorithm | undefined {
  if (keyType === graphene.KeyType.RSA) {
    const modulus = privateKey.getAttribute({ modulus: null }).modulus as Buffer;
    const bits = modulus.length * 8;
    return ALGORITHMS.find((algorithm) => RSA_BITS[algorithm] === bits);
  }
  if (keyType === graphene.KeyType.EC) {
    return curveForParams(privateKey.getAttribute(CKA_EC_PARAMS))?.algorithm;
  }
  return undefined;
}

export function destroyQuietly(object: SessionObject): void {
  try {
    object.destroy();
  } catch {
    // Best effort: the original error is the one worth reporting.
  }
}

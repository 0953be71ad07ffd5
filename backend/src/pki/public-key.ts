/**
 * Classifies a SubjectPublicKeyInfo with node:crypto and applies the key strength policy
 * shared by CSRs, imported certificates and key-store keys: RSA 2048–4096 with an odd
 * exponent > 1, EC on P-256 or P-384 only.
 */
import { createHash, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

import type { KeyAlgorithm } from '@pki/shared';

import { decodeBitString, decodeOid, encodingOf, readChildren, readRoot } from './asn1/der-reader.js';
import { OID } from './asn1/oids.js';
import { pkiErrors } from './errors.js';

export interface ClassifiedPublicKey {
  algorithm: KeyAlgorithm;
  keyObject: KeyObject;
}

const CURVES: Record<string, KeyAlgorithm> = { prime256v1: 'ec-p256', secp384r1: 'ec-p384' };
const RSA_SIZES: Record<number, KeyAlgorithm> = { 2048: 'rsa-2048', 3072: 'rsa-3072', 4096: 'rsa-4096' };

const NULL_PARAMETERS = Buffer.from([0x05, 0x00]);
const JWK_CURVES: Record<string, { crv: string; size: number }> = {
  [OID.prime256v1]: { crv: 'P-256', size: 32 },
  [OID.secp384r1]: { crv: 'P-384', size: 48 },
};

/**
 * OpenSSL 3's generic SPKI decoder is slow enough to show in every issuance; importing
 * the same key as PKCS#1 (RSA) or JWK (EC) is far cheaper (bench/issuance.ts measures
 * both). The AlgorithmIdentifier is checked here; anything unusual takes the generic
 * path and its checks.
 */
function importPublicKey(spki: Uint8Array): KeyObject {
  try {
    const root = readRoot(spki);
    const [algorithm, publicKey] = readChildren(spki, root);
    if (algorithm?.tag === 0x30 && publicKey?.tag === 0x03) {
      const [algorithmOid, parameters] = readChildren(spki, algorithm);
      const oid = algorithmOid ? decodeOid(spki, algorithmOid) : '';
      const { bits, unusedBits } = decodeBitString(spki, publicKey);
      if (
        unusedBits === 0 &&
        oid === OID.rsaEncryption &&
        parameters &&
        Buffer.from(encodingOf(spki, parameters)).equals(NULL_PARAMETERS)
      ) {
        return createPublicKey({ key: Buffer.from(bits), format: 'der', type: 'pkcs1' });
      }
      const curve =
        oid === OID.ecPublicKey && parameters?.tag === 0x06 ? JWK_CURVES[decodeOid(spki, parameters)] : undefined;
      if (unusedBits === 0 && curve && bits.length === 1 + 2 * curve.size && bits[0] === 0x04) {
        const coordinate = (start: number) =>
          Buffer.from(bits.subarray(start, start + curve.size)).toString('base64url');
        return createPublicKey({
          key: { kty: 'EC', crv: curve.crv, x: coordinate(1), y: coordinate(1 + curve.size) },
          format: 'jwk',
        });
      }
    }
  } catch {
    // Fall through to the generic decoder, which decides.
  }
  return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
}

export function classifyPublicKey(spki: Uint8Array): ClassifiedPublicKey {
  let keyObject: KeyObject;
  try {
    keyObject = importPublicKey(spki);
  } catch {
    throw pkiErrors.csrUnsupportedAlgorithm('a public key node:crypto cannot read');
  }
  const details = keyObject.asymmetricKeyDetails ?? {};
  switch (keyObject.asymmetricKeyType) {
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits < 2048) throw pkiErrors.keyTooWeak(`RSA-${bits} (at least 2048 bits required)`);
      const exponent = details.publicExponent ?? 0n;
      if (exponent <= 1n || exponent % 2n === 0n)
        throw pkiErrors.keyTooWeak('RSA public exponent must be odd and greater than 1');
      const algorithm = RSA_SIZES[bits];
      if (!algorithm) throw pkiErrors.csrUnsupportedAlgorithm(`RSA-${bits} (2048, 3072 or 4096 bits are supported)`);
      return { algorithm, keyObject };
    }
    case 'ec': {
      const algorithm = CURVES[details.namedCurve ?? ''];
      if (!algorithm)
        throw pkiErrors.csrUnsupportedAlgorithm(
          `EC curve ${details.namedCurve ?? '(explicit parameters)'} (P-256 and P-384 are supported)`,
        );
      return { algorithm, keyObject };
    }
    default:
      throw pkiErrors.csrUnsupportedAlgorithm(`${keyObject.asymmetricKeyType ?? 'unknown'} keys`);
  }
}

/**
 * Key identifier method 1 of RFC 5280 §4.2.1.2: SHA-1 of the subjectPublicKey BIT STRING
 * value (without tag, length and unused-bits octet).
 */
export function keyIdentifier(spki: Uint8Array): Buffer {
  const publicKeyBits = subjectPublicKeyBits(spki);
  return createHash('sha1').update(publicKeyBits).digest();
}

/** The subjectPublicKey BIT STRING content of an SPKI, past its unused-bits octet. */
export function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  // SPKI ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
  let offset = headerLength(spki, 0);
  offset += totalLength(spki, offset);
  const contentStart = offset + headerLength(spki, offset);
  return spki.subarray(contentStart + 1, offset + totalLength(spki, offset));
}

function headerLength(bytes: Uint8Array, offset: number): number {
  const lengthByte = bytes[offset + 1] as number;
  return lengthByte < 0x80 ? 2 : 2 + (lengthByte & 0x7f);
}

function totalLength(bytes: Uint8Array, offset: number): number {
  const lengthByte = bytes[offset + 1] as number;
  if (lengthByte < 0x80) return 2 + lengthByte;
  let length = 0;
  for (let i = 0; i < (lengthByte & 0x7f); i++) length = length * 256 + (bytes[offset + 2 + i] as number);
  return headerLength(bytes, offset) + length;
}

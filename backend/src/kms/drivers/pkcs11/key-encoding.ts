/**
 * Conversions between what a PKCS#11 token gives (modulus/exponent, CKA_EC_POINT, raw r||s)
 * and what X.509 needs (SubjectPublicKeyInfo DER, X9.62 Ecdsa-Sig-Value DER). Pure functions:
 * node:crypto builds the SPKI, so no ASN.1 for keys is hand-written here.
 */
import { createPublicKey } from 'node:crypto';

import type { KeyAlgorithm } from '@pki/shared';

export interface CurveInfo {
  algorithm: KeyAlgorithm;
  jwkCurve: 'P-256' | 'P-384';
  /** Field element size in bytes: each coordinate and each of r, s. */
  coordinateBytes: number;
  /** DER of the named curve OID, the value of CKA_EC_PARAMS (RFC 5480 §2.1.1.1). */
  ecParams: Buffer;
}

export const CURVES: readonly CurveInfo[] = [
  {
    algorithm: 'ec-p256',
    jwkCurve: 'P-256',
    coordinateBytes: 32,
    ecParams: Buffer.from('06082a8648ce3d030107', 'hex'), // 1.2.840.10045.3.1.7 prime256v1
  },
  {
    algorithm: 'ec-p384',
    jwkCurve: 'P-384',
    coordinateBytes: 48,
    ecParams: Buffer.from('06052b81040022', 'hex'), // 1.3.132.0.34 secp384r1
  },
];

export function curveForAlgorithm(algorithm: KeyAlgorithm): CurveInfo | undefined {
  return CURVES.find((curve) => curve.algorithm === algorithm);
}

export function curveForParams(ecParams: Uint8Array): CurveInfo | undefined {
  return CURVES.find((curve) => curve.ecParams.equals(ecParams));
}

export function rsaSpki(modulus: Uint8Array, publicExponent: Uint8Array): Uint8Array {
  const key = createPublicKey({
    key: { kty: 'RSA', n: base64Url(stripLeadingZeros(modulus)), e: base64Url(stripLeadingZeros(publicExponent)) },
    format: 'jwk',
  });
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}

/**
 * PKCS#11 v2.40 says CKA_EC_POINT is the DER OCTET STRING of the point (SoftHSM does this),
 * but some tokens return the bare `04||X||Y`; the expected length tells the two apart.
 */
export function ecSpki(curve: CurveInfo, ecPoint: Uint8Array): Uint8Array {
  const point = unwrapEcPoint(curve, ecPoint);
  const size = curve.coordinateBytes;
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: curve.jwkCurve,
      x: base64Url(point.subarray(1, 1 + size)),
      y: base64Url(point.subarray(1 + size)),
    },
    format: 'jwk',
  });
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}

function unwrapEcPoint(curve: CurveInfo, ecPoint: Uint8Array): Uint8Array {
  const uncompressedLength = 1 + 2 * curve.coordinateBytes;
  let point = ecPoint;
  // Both curves here have points shorter than 128 bytes: a short-form DER length.
  if (ecPoint.length === uncompressedLength + 2 && ecPoint[0] === 0x04 && ecPoint[1] === uncompressedLength) {
    point = ecPoint.subarray(2);
  }
  if (point.length !== uncompressedLength || point[0] !== 0x04) {
    throw new RangeError(`CKA_EC_POINT is not an uncompressed ${curve.jwkCurve} point (${ecPoint.length} bytes)`);
  }
  return point;
}

/** CKM_ECDSA gives `r||s` (PKCS#11 v2.40 §2.3.1); X.509 wants `SEQUENCE { INTEGER r, INTEGER s }`. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) {
    throw new RangeError(`raw ECDSA signature has odd or zero length ${raw.length}`);
  }
  const half = raw.length / 2;
  const r = derInteger(raw.subarray(0, half));
  const s = derInteger(raw.subarray(half));
  return Buffer.concat([Buffer.from([0x30]), derLength(r.length + s.length), r, s]);
}

function derInteger(unsigned: Uint8Array): Buffer {
  let value = stripLeadingZeros(unsigned);
  if (value.length === 0) value = Buffer.from([0]);
  // A set top bit would read as negative: DER needs a 0x00 pad byte.
  if ((value[0] ?? 0) & 0x80) value = Buffer.concat([Buffer.from([0]), value]);
  return Buffer.concat([Buffer.from([0x02]), derLength(value.length), value]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function stripLeadingZeros(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start += 1;
  return Buffer.from(bytes.subarray(start));
}

function base64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

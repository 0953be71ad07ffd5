import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { CURVES, curveForAlgorithm, curveForParams, ecdsaRawToDer, ecSpki, rsaSpki } from './key-encoding.js';

describe('rsaSpki', () => {
  it('rebuilds the SPKI node exports from modulus and exponent as a token gives them', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    // Tokens may left-pad big integers with zero bytes; they must not change the key.
    const modulus = Buffer.concat([Buffer.from([0]), Buffer.from(jwk.n ?? '', 'base64url')]);
    const spki = rsaSpki(modulus, Buffer.from(jwk.e ?? '', 'base64url'));
    expect(Buffer.from(spki).equals(publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
  });
});

describe('ecSpki', () => {
  it.each(CURVES)('accepts $jwkCurve points wrapped in an OCTET STRING (PKCS#11 v2.40) and bare', (curve) => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve.jwkCurve });
    const jwk = publicKey.export({ format: 'jwk' });
    const point = Buffer.concat([
      Buffer.from([0x04]),
      Buffer.from(jwk.x ?? '', 'base64url'),
      Buffer.from(jwk.y ?? '', 'base64url'),
    ]);
    const wrapped = Buffer.concat([Buffer.from([0x04, point.length]), point]);
    const expected = publicKey.export({ type: 'spki', format: 'der' });
    expect(Buffer.from(ecSpki(curve, wrapped)).equals(expected)).toBe(true);
    expect(Buffer.from(ecSpki(curve, point)).equals(expected)).toBe(true);
  });

  it('refuses a compressed point', () => {
    const curve = curveForAlgorithm('ec-p256');
    expect(curve).toBeDefined();
    if (curve === undefined) return;
    expect(() => ecSpki(curve, Buffer.concat([Buffer.from([0x02]), Buffer.alloc(32, 1)]))).toThrow(RangeError);
  });

  it('finds curves by their CKA_EC_PARAMS OID and by algorithm', () => {
    expect(curveForParams(Buffer.from('06082a8648ce3d030107', 'hex'))?.algorithm).toBe('ec-p256');
    expect(curveForParams(Buffer.from('06052b81040022', 'hex'))?.algorithm).toBe('ec-p384');
    expect(curveForParams(Buffer.from('06052b81040023', 'hex'))).toBeUndefined(); // P-521
    expect(curveForAlgorithm('rsa-2048')).toBeUndefined();
  });
});

describe('ecdsaRawToDer', () => {
  it.each([
    { curve: 'P-256', hash: 'sha256' },
    { curve: 'P-384', hash: 'sha384' },
  ])('turns $curve r||s into a DER signature node verifies', ({ curve, hash }) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
    // Enough rounds to meet r or s with a high top bit and with leading zero bytes.
    for (let round = 0; round < 64; round += 1) {
      const data = Buffer.from(`message ${round}`);
      const raw = sign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const der = ecdsaRawToDer(raw);
      expect(verify(hash, data, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
    }
  });

  it('encodes a top-bit integer with a zero pad and strips leading zeros', () => {
    const raw = Buffer.concat([Buffer.alloc(31, 0), Buffer.from([0x01]), Buffer.from([0x80]), Buffer.alloc(31, 0)]);
    const der = Buffer.from(ecdsaRawToDer(raw));
    expect(der.toString('hex')).toBe(`3026020101022100${'80'}${'00'.repeat(31)}`);
  });

  it('refuses a signature of odd length', () => {
    expect(() => ecdsaRawToDer(Buffer.alloc(63))).toThrow(RangeError);
  });

  it('keeps node happy with the SPKI it builds', () => {
    const curve = curveForAlgorithm('ec-p384');
    expect(curve).toBeDefined();
    if (curve === undefined) return;
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const jwk = publicKey.export({ format: 'jwk' });
    const point = Buffer.concat([
      Buffer.from([0x04]),
      Buffer.from(jwk.x ?? '', 'base64url'),
      Buffer.from(jwk.y ?? '', 'base64url'),
    ]);
    const key = createPublicKey({ key: Buffer.from(ecSpki(curve, point)), format: 'der', type: 'spki' });
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
  });
});

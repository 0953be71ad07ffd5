/**
 * ECDSA over a digest the client computed (Cosmian's `DigestedData`), which node:crypto cannot
 * do: `crypto.sign(null, …)` on an EC key hashes again with SHA-256. SEC 1 §4.1.3 needs k·G;
 * a fresh node-generated key pair on the same curve is exactly a random k and its point k·G,
 * so only arithmetic modulo the group order n is done here.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

const GROUP_ORDERS: Record<string, bigint> = {
  'P-256': 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  'P-384': 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};

export function signEcdsaDigest(privateKey: KeyObject, digest: Uint8Array): Buffer {
  const jwk = privateKey.export({ format: 'jwk' });
  const curve = jwk.crv;
  const n = curve === undefined ? undefined : GROUP_ORDERS[curve];
  if (curve === undefined || n === undefined || jwk.d === undefined)
    throw new Error(`unsupported EC key ${String(curve)}`);
  const orderBytes = (n.toString(16).length + 1) >> 1;
  // SEC 1 §4.1.3 step 5: the leftmost bits of the digest (both orders are whole bytes).
  const e = toBigInt(Buffer.from(digest).subarray(0, orderBytes));
  const d = toBigInt(Buffer.from(jwk.d, 'base64url'));
  for (;;) {
    const ephemeral = generateKeyPairSync('ec', {
      namedCurve: curve,
    }).privateKey.export({ format: 'jwk' });
    if (ephemeral.d === undefined || ephemeral.x === undefined) throw new Error('ephemeral key export failed');
    const k = toBigInt(Buffer.from(ephemeral.d, 'base64url'));
    const r = toBigInt(Buffer.from(ephemeral.x, 'base64url')) % n;
    if (r === 0n) continue;
    const s = (modInverse(k, n) * ((e + r * d) % n)) % n;
    if (s === 0n) continue;
    return derSequence(derInteger(r), derInteger(s));
  }
}

function toBigInt(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

function modInverse(value: bigint, modulus: bigint): bigint {
  let [oldR, r] = [value % modulus, modulus];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  return ((oldS % modulus) + modulus) % modulus;
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes = Buffer.from(length.toString(16).padStart(length > 0xff ? 4 : 2, '0'), 'hex');
  return Buffer.concat([Buffer.from([0x80 | bytes.length]), bytes]);
}

function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let body = Buffer.from(hex, 'hex');
  if ((body[0] ?? 0) & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
}

function derSequence(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

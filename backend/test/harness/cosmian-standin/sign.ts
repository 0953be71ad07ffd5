/**
 * The stand-in's Sign, by server version and build (server-versions.ts):
 * `operations/sign.rs`, `key_ops/crypto_op.rs` and `crate/crypto/src/crypto/{rsa,elliptic_curves}/sign.rs`.
 *
 * - Key selection: only Active private keys with the Sign bit (or Unrestricted). Before 5.25
 *   anything else is Item_Not_Found ("sign: no valid private key for id" before 5.24,
 *   "Sign: no valid key for id" in 5.24); since 5.25 a live key in another state is
 *   Permission_Denied naming its state.
 * - RSA: `RSASSAPSS` → PSS (salt = SaltLength or the digest length), any other DSA → PKCS#1
 *   v1.5; HashingAlgorithm wins over the DSA's hash, except for PSS before 5.13 (always
 *   SHA-256); no parameters → PSS SHA-256.
 * - ECDSA, the hash being the DSA's (default SHA-256):
 *   the non-FIPS P-256 path (RFC 6979) hashes Data with SHA-256 whatever the DSA says and,
 *   since 5.14.1, signs DigestedData as a prehash; the OpenSSL path (P-384, FIPS builds,
 *   P-256 before 5.14.1) hashes Data with the DSA's hash and, before 5.26, hashes
 *   DigestedData again, a signature over H(digest) that never verifies.
 */
import { constants as cryptoConstants, sign } from 'node:crypto';

import { signEcdsaDigest } from './ecdsa-prehash.js';
import { fail } from './errors.js';
import { bytes, child, readBoolean, readBytes, readEnum, readInteger, readText, structure, text } from './json-ttlv.js';
import type { JsonTtlv } from './json-ttlv.js';
import type { ManagedKey } from './managed-key.js';
import { isLive } from './managed-key.js';
import { SINCE, isAtLeast } from './server-versions.js';
import type { StandInServer } from './server-versions.js';

const SIGN_MASK = 0x1;
const UNRESTRICTED_MASK = 0x200000;
const HASH_BY_NAME: Record<string, string> = { SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' };
const HASH_BY_DIGEST_LENGTH: Record<number, string> = { 32: 'sha256', 48: 'sha384', 64: 'sha512' };
const RSA_HASH_BY_DSA: Record<string, string> = {
  SHA256WithRSAEncryption: 'sha256',
  SHA384WithRSAEncryption: 'sha384',
  SHA512WithRSAEncryption: 'sha512',
  RSASSAPSS: 'sha256',
};
const ECDSA_HASH_BY_DSA: Record<string, string> = {
  ECDSAWithSHA256: 'sha256',
  ECDSAWithSHA384: 'sha384',
  ECDSAWithSHA512: 'sha512',
};

export function signOperation(server: StandInServer, payload: JsonTtlv, object: ManagedKey | undefined): JsonTtlv {
  const uid = readText(child(payload, 'UniqueIdentifier'));
  if (uid === undefined) {
    return fail({ kind: 'invalidRequest', message: 'This KMIP server does not yet support place holder id' });
  }
  const data = readBytes(child(payload, 'Data'));
  const digested = readBytes(child(payload, 'DigestedData'));
  if (data !== undefined && digested !== undefined) {
    fail({
      kind: 'invalidRequest',
      message: "Sign request must not set both 'data' and 'digested_data' simultaneously",
    });
  }
  if (readBoolean(child(payload, 'InitIndicator')) === true && readBoolean(child(payload, 'FinalIndicator')) === true) {
    // A generic server error on the bare endpoint: 500 "Internal server error" (COSMIAN.md §4 Sign).
    fail({ kind: 'server', message: 'Invalid request: init_indicator and final_indicator cannot both be true' });
  }
  const key = selectKey(server, uid, object);
  const parameters = child(payload, 'CryptographicParameters');
  const parameter = (tag: string) => (parameters === undefined ? undefined : child(parameters, tag));
  const dsa = readEnum(parameter('DigitalSignatureAlgorithm'));
  const hashName = readEnum(parameter('HashingAlgorithm'));
  const saltLength = readInteger(parameter('SaltLength'));
  const signature =
    key.cryptographicAlgorithm === 'RSA'
      ? signRsa(server, key, { dsa, hashName, saltLength, data, digested })
      : signEcdsa(server, key, { dsa, data, digested });
  return structure('SignResponse', [text('UniqueIdentifier', uid), bytes('SignatureData', signature)]);
}

function selectKey(server: StandInServer, uid: string, object: ManagedKey | undefined): ManagedKey {
  const live = object !== undefined && isLive(object) ? object : undefined;
  if (live !== undefined && live.state !== 'Active' && isAtLeast(server, SINCE.signRefusalByState)) {
    fail({
      kind: 'kmip21',
      reason: 'Permission_Denied',
      message: `Sign: key ${uid} is in state ${live.state} but operation requires one of [Active]`,
    });
  }
  const isEligible =
    live !== undefined &&
    live.state === 'Active' &&
    live.objectType === 'PrivateKey' &&
    (live.usageMask & (SIGN_MASK | UNRESTRICTED_MASK)) !== 0;
  if (!isEligible) {
    return fail({
      kind: 'kmip21',
      reason: 'Item_Not_Found',
      message: isAtLeast(server, SINCE.signErrorFromCryptoOp)
        ? `Sign: no valid key for id: ${uid}`
        : `sign: no valid private key for id: ${uid}`,
    });
  }
  return live;
}

interface RsaInput {
  dsa: string | undefined;
  hashName: string | undefined;
  saltLength: number | undefined;
  data: Buffer | undefined;
  digested: Buffer | undefined;
}

function signRsa(server: StandInServer, key: ManagedKey, input: RsaInput): Buffer {
  const effectiveDsa = input.dsa ?? 'RSASSAPSS';
  const isPss = effectiveDsa === 'RSASSAPSS';
  if (input.digested !== undefined) {
    // Real servers sign a pre-digest here (5.14.1+); the stand-in does not reproduce it.
    return fail({ kind: 'notSupported', message: 'the Cosmian stand-in does not sign RSA DigestedData' });
  }
  if (input.hashName === undefined && RSA_HASH_BY_DSA[effectiveDsa] === undefined) {
    fail({ kind: 'notSupported', message: `rsa sign error: sign_rsa_with_pkey: not supported: ${effectiveDsa}` });
  }
  const isHashFromDsaOnly = isPss && !isAtLeast(server, SINCE.pssHashFromParameters);
  const hash =
    (input.hashName !== undefined && !isHashFromDsaOnly
      ? HASH_BY_NAME[input.hashName]
      : RSA_HASH_BY_DSA[effectiveDsa]) ?? 'sha256';
  return sign(hash, input.data ?? Buffer.alloc(0), {
    key: key.key,
    padding: isPss ? cryptoConstants.RSA_PKCS1_PSS_PADDING : cryptoConstants.RSA_PKCS1_PADDING,
    ...(isPss ? { saltLength: input.saltLength ?? cryptoConstants.RSA_PSS_SALTLEN_DIGEST } : {}),
  });
}

function signEcdsa(
  server: StandInServer,
  key: ManagedKey,
  input: { dsa: string | undefined; data: Buffer | undefined; digested: Buffer | undefined },
): Buffer {
  const hash = ECDSA_HASH_BY_DSA[input.dsa ?? 'ECDSAWithSHA256'];
  if (hash === undefined)
    return fail({ kind: 'notSupported', message: `ecdsa_sign: not supported: ${String(input.dsa)}` });
  const isRfc6979Path =
    server.build === 'non-FIPS' &&
    key.curve === 'P256' &&
    (isAtLeast(server, SINCE.p256PrehashSigning) || hash === 'sha256');
  if (input.digested !== undefined) {
    if (HASH_BY_DIGEST_LENGTH[input.digested.length] === undefined)
      fail({ kind: 'server', message: 'ecdsa_sign: bad digest' });
    const isSignedAsGiven =
      isAtLeast(server, SINCE.opensslPrehashSigning) || (isRfc6979Path && isAtLeast(server, SINCE.p256PrehashSigning));
    // Otherwise EVP_DigestSign hashes the digest once more (RFC 6979 path of 5.14.0: with SHA-256).
    return isSignedAsGiven ? signEcdsaDigest(key.key, input.digested) : signDer(hash, input.digested, key);
  }
  return signDer(isRfc6979Path ? 'sha256' : hash, input.data ?? Buffer.alloc(0), key);
}

function signDer(hash: string, message: Buffer, key: ManagedKey): Buffer {
  return sign(hash, message, { key: key.key, dsaEncoding: 'der' });
}

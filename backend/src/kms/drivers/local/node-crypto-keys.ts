/**
 * The node:crypto side of the `local` driver: generating key pairs and turning a key and a
 * signature scheme into the input `crypto.sign` takes.
 */
import { constants as cryptoConstants, generateKeyPair } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

import type { HashAlgorithm, KeyAlgorithm, SignatureScheme } from '@pki/shared';

import { KmsInvalidRequest } from '../../kmip/errors.js';
import type { SigningKeyInput } from './signing-queue.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export const NODE_HASH_NAMES: Record<HashAlgorithm, string> = {
  'sha-256': 'sha256',
  'sha-384': 'sha384',
  'sha-512': 'sha512',
};

const RSA_BITS = { 'rsa-2048': 2048, 'rsa-3072': 3072, 'rsa-4096': 4096 } as const;

export async function generateNodeKeyPair(
  algorithm: KeyAlgorithm,
): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  switch (algorithm) {
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096':
      return generateKeyPairAsync('rsa', { modulusLength: RSA_BITS[algorithm], publicExponent: 0x10001 });
    case 'ec-p256':
      return generateKeyPairAsync('ec', { namedCurve: 'P-256' });
    case 'ec-p384':
      return generateKeyPairAsync('ec', { namedCurve: 'P-384' });
  }
}

/** The node:crypto key input for a scheme, after checking the scheme fits the key. */
export function signingKeyInput(
  algorithm: KeyAlgorithm,
  privateKey: KeyObject,
  scheme: SignatureScheme,
): SigningKeyInput {
  switch (scheme) {
    case 'rsa-pkcs1-v1_5':
      if (!isRsa(algorithm)) break;
      return { key: privateKey, padding: cryptoConstants.RSA_PKCS1_PADDING };
    case 'rsa-pss':
      if (!isRsa(algorithm)) break;
      // Salt as long as the hash: what RFC 4055 and CA/B Forum profiles expect.
      return {
        key: privateKey,
        padding: cryptoConstants.RSA_PKCS1_PSS_PADDING,
        saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST,
      };
    case 'ecdsa':
      if (isRsa(algorithm)) break;
      return { key: privateKey, dsaEncoding: 'der' };
  }
  throw new KmsInvalidRequest(`a ${algorithm} key cannot sign with ${scheme}`, { operation: 'sign' });
}

function isRsa(algorithm: KeyAlgorithm): boolean {
  return algorithm.startsWith('rsa-');
}

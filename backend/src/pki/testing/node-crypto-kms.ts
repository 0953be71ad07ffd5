/**
 * A PkiKms over node:crypto with in-memory keys, for builder tests that need real
 * signatures before the full KMSService is wired. Service tests use the real KMSService
 * with the local driver instead.
 */
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

import type { KeyAlgorithm } from '@pki/shared';

import type { PkiKms } from '../kms-signer.js';

const HASHES = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' } as const;

export function generateNodeKey(algorithm: KeyAlgorithm): { privateKey: KeyObject; publicKeySpki: Buffer } {
  const pair = algorithm.startsWith('rsa')
    ? generateKeyPairSync('rsa', { modulusLength: Number(algorithm.slice(4)) })
    : generateKeyPairSync('ec', { namedCurve: algorithm === 'ec-p256' ? 'prime256v1' : 'secp384r1' });
  return { privateKey: pair.privateKey, publicKeySpki: pair.publicKey.export({ format: 'der', type: 'spki' }) };
}

export class NodeCryptoKms implements PkiKms {
  readonly keys = new Map<string, { privateKey: KeyObject; isExportable: boolean }>();

  capabilities() {
    return { canExportPrivateKey: true };
  }

  async generateKeyPair(_ctx: unknown, request: { algorithm: KeyAlgorithm; isExportable: boolean }) {
    const { privateKey, publicKeySpki } = generateNodeKey(request.algorithm);
    const id = randomUUID();
    this.keys.set(id, { privateKey, isExportable: request.isExportable });
    return { id, publicKeySpki, algorithm: request.algorithm };
  }

  async sign(_ctx: unknown, request: { keyId: string; scheme: string; hash: keyof typeof HASHES; data: Uint8Array }) {
    const key = this.keys.get(request.keyId);
    if (!key) throw new Error(`no key ${request.keyId}`);
    return sign(HASHES[request.hash], request.data, key.privateKey);
  }

  async exportPrivateKey(_ctx: unknown, request: { keyId: string }) {
    const key = this.keys.get(request.keyId);
    if (!key?.isExportable) throw new Error('not exportable');
    return key.privateKey.export({ format: 'der', type: 'pkcs8' });
  }
}

/**
 * What a Cosmian Sign request carries for each scheme, so that the server's answer is a
 * signature over our data with our hash, on every supported version and build.
 *
 * - RSA: the data, and a DigitalSignatureAlgorithm (that, not PaddingMethod, picks PKCS#1
 *   v1.5 or PSS on Cosmian; PSS salt = digest length). The server hashes.
 * - ECDSA: the digest as `DigestedData` where the server signs it as given (5.26+, and the
 *   non-FIPS P-256 path since 5.14.1); otherwise the data as `Data`, which the OpenSSL path
 *   hashes once with the DSA's hash. The one case neither fits is a P-256 key on a server
 *   that does not say whether it is a FIPS build, before 5.26, with SHA-384/512: DigestedData
 *   is hashed again on FIPS builds and Data is hashed with SHA-256 on non-FIPS ones, so the
 *   driver refuses it rather than return a signature that does not verify.
 */
import { createHash } from 'node:crypto';

import type { KeyAlgorithm, SignatureScheme } from '@pki/shared';

import { KmsInvalidRequest } from '../../kmip/index.js';
import type { CryptographicParameters, SignRequest as KmipSignRequest } from '../../kmip/index.js';
import type { SignRequest } from '../../key-store.js';
import { KMIP_HASH, NODE_HASH } from '../kmip/kmip-key-mapping.js';
import { COSMIAN_CHANGES, formatVersion, isAtLeast } from './cosmian-versions.js';
import type { CosmianServer } from './cosmian-versions.js';

const DIGEST_BYTES = { 'sha-256': 32, 'sha-384': 48, 'sha-512': 64 } as const;

/** No request this server answers with a correct signature exists for this key and hash. */
export class CosmianCannotSignCorrectly extends KmsInvalidRequest {
  constructor(server: CosmianServer, algorithm: KeyAlgorithm, hash: SignRequest['hash']) {
    super(
      `cosmian: Cosmian KMS ${formatVersion(server.version)} (build not stated in /version) cannot sign ` +
        `${algorithm} with ${hash} correctly; use sha-256 or Cosmian KMS 5.26 or later`,
      { operation: 'Sign' },
    );
  }
}

export function cosmianSignRequest(
  server: CosmianServer,
  algorithm: KeyAlgorithm,
  request: SignRequest,
): KmipSignRequest {
  if (request.scheme !== 'ecdsa') {
    return {
      uniqueIdentifier: request.privateKeyRef,
      cryptographicParameters: rsaParameters(request.scheme, request.hash),
      data: request.data,
    };
  }
  const cryptographicParameters = { digitalSignatureAlgorithm: `ECDSAWith${KMIP_HASH[request.hash]}` };
  const input = ecdsaInput(server, algorithm, request.hash);
  if (input === undefined) throw new CosmianCannotSignCorrectly(server, algorithm, request.hash);
  return input === 'data'
    ? { uniqueIdentifier: request.privateKeyRef, cryptographicParameters, data: request.data }
    : {
        uniqueIdentifier: request.privateKeyRef,
        cryptographicParameters,
        digestedData: createHash(NODE_HASH[request.hash]).update(request.data).digest(),
      };
}

/** Which ECDSA input this server signs correctly (see the file comment), if any. */
export function ecdsaInput(
  server: CosmianServer,
  algorithm: KeyAlgorithm,
  hash: SignRequest['hash'],
): 'digested-data' | 'data' | undefined {
  if (isAtLeast(server.version, COSMIAN_CHANGES.ecdsaDigestSignedAsGiven)) return 'digested-data';
  const isP256 = algorithm === 'ec-p256';
  if (isP256 && server.build === 'non-fips') return 'digested-data';
  if (!isP256 || server.build === 'fips') return 'data';
  return hash === 'sha-256' ? 'data' : undefined;
}

function rsaParameters(scheme: Exclude<SignatureScheme, 'ecdsa'>, hash: SignRequest['hash']): CryptographicParameters {
  const hashingAlgorithm = KMIP_HASH[hash];
  return scheme === 'rsa-pss'
    ? { digitalSignatureAlgorithm: 'RSASSAPSS', hashingAlgorithm, saltLength: DIGEST_BYTES[hash] }
    : { digitalSignatureAlgorithm: `${hashingAlgorithm}WithRSAEncryption`, hashingAlgorithm };
}

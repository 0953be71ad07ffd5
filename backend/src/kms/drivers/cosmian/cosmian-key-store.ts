/**
 * `cosmian`: Cosmian KMS 5.x through its KMIP 2.1 JSON TTLV endpoint (`POST /kmip/2_1`).
 *
 * Config: `PKI_KMS_BACKEND=cosmian`, `PKI_COSMIAN_URL` (e.g. `https://kms.internal:9998`),
 * `PKI_COSMIAN_TOKEN` (the API token: base64 of the key named by the server's `api_token_id`,
 * sent as `Authorization: Bearer …`; a JWT works the same way) and/or `PKI_COSMIAN_API_KEY`
 * (sent as `X-API-Key` for deployments behind an API-key gateway), `PKI_COSMIAN_CA` (PEM of a
 * private CA), `PKI_COSMIAN_CLIENT_CERT` + `PKI_COSMIAN_CLIENT_KEY` (mutual TLS; the KMS user
 * is the certificate's CN), `PKI_KMS_NAMESPACE` (label prefix and Cosmian tag, default
 * `pki-manager`), `PKI_KMS_ATTEMPTS` / `PKI_KMS_TIMEOUT_MS` (retry policy). Example:
 *
 *     PKI_KMS_BACKEND=cosmian PKI_COSMIAN_URL=https://kms.internal:9998 \
 *     PKI_COSMIAN_TOKEN="$(cat /run/secrets/cosmian-token)" PKI_COSMIAN_CA=/etc/pki/kms-ca.pem pnpm start
 *
 * Boot: `openCosmianKeyStore` awaits `start()`, which reads `GET /version` and refuses a
 * server older than 5.8 (no KMIP Sign) with `CosmianServerTooOld`, then makes one
 * authenticated Locate so bad credentials fail at boot, not at the first signature.
 *
 * How it uses Cosmian, and why (COSMIAN.md §3–§4, Cosmian 5.26 source):
 * - It operates on the private key only and lets the KMS handle the linked public key
 *   (sending both gave spurious Item_Not_Found): Revoke and Destroy carry `Cascade=true`,
 *   which is off by default since 5.13.
 * - CreateKeyPair sends `ActivationDate` = now, else keys stay PreActive and cannot sign;
 *   a key still PreActive (clock skew, servers before 5.25) is Activated explicitly.
 * - Each private key carries the Name `<namespace>/<label>` (unique, so a retried create is
 *   found by Locate) and the Cosmian tag `<namespace>`, which `list()` locates by.
 * - A non-exportable key is created `Sensitive`, so the KMS itself refuses to export it.
 * - Destroy revokes an Active key first: Cosmian refuses to destroy one
 *   (`Wrong_Key_Lifecycle_State: DENIED`). GetAttributes still answers for destroyed keys
 *   (State Destroyed); the driver reports those as not found.
 * - Sign: RSA sends the data and a DigitalSignatureAlgorithm (that, not PaddingMethod, picks
 *   PKCS#1 v1.5 or PSS; PSS salt = digest length). ECDSA sends our digest as DigestedData:
 *   with Data, non-FIPS 5.14+ builds hash P-256 input with SHA-256 whatever the DSA says.
 * - getPublicKey uses Get, which Cosmian answers for Active keys only: once a key is
 *   revoked (and its public key with it, by cascade) it reports KmsPermissionDenied; keep
 *   the SPKI returned at generation.
 * - Errors: the client sends RequestMessages, so KMIP failures come back as failed batch
 *   items (200); HTTP 401 (credentials), 422 (text) and 5xx are normalized by the transport.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import { KEY_ALGORITHMS, SIGNATURE_SCHEMES } from '@pki/shared';
import type { KeyAlgorithm, KmsBackend, SignatureScheme } from '@pki/shared';

import {
  HttpsTransport,
  KmipClient,
  KmsInvalidRequest,
  KmsNotFound,
  KmsPermissionDenied,
  KmsProtocolError,
  isKmsError,
} from '../../kmip/index.js';
import type { CryptographicParameters, KmipLogger, ParsedAttributes, VendorAttribute } from '../../kmip/index.js';
import type {
  GenerateKeyPairRequest,
  GenerateKeyPairResult,
  KeyDescription,
  KeyReference,
  KeyStore,
  KeyStoreCapabilities,
  KeyStoreHealth,
  RevokeKeyRequest,
  SignRequest,
  SignResult,
} from '../../key-store.js';
import {
  EC_CURVE,
  KMIP_HASH,
  KMIP_REVOCATION_REASON,
  NODE_HASH,
  RSA_MODULUS_BITS,
  assertSchemeFitsKey,
  isRsaAlgorithm,
  keyAlgorithmOf,
  keyStateOf,
  kmipName,
  labelOf,
} from '../kmip/kmip-key-mapping.js';
import type { KmsRequestPolicy } from '../kmip/kmip-key-store.js';
import {
  CosmianServerTooOld,
  fetchCosmianHealth,
  fetchCosmianVersion,
  isOlderThanMinimum,
} from './cosmian-server-info.js';
import type { CosmianHttpOptions } from './cosmian-server-info.js';

/** The `cosmian` variant of `KmsConfig` (config.ts). */
export interface CosmianBackendConfig {
  backend: 'cosmian';
  namespace: string;
  url: string;
  token: string | undefined;
  apiKey: string | undefined;
  caPath: string | undefined;
  clientCertPath: string | undefined;
  clientKeyPath: string | undefined;
}

const SIGN_USAGE = 0x1;
const VERIFY_USAGE = 0x2;
const HEALTH_TIMEOUT_MS = 5_000;
const DIGEST_BYTES = { 'sha-256': 32, 'sha-384': 48, 'sha-512': 64 } as const;

const CAPABILITIES: KeyStoreCapabilities = Object.freeze({
  algorithms: KEY_ALGORITHMS,
  signatureSchemes: SIGNATURE_SCHEMES,
  canExportPrivateKey: true,
  doesCascadeToPublicKey: true,
});

/** Opens the driver from validated config and runs its boot checks (`start()`). */
export async function openCosmianKeyStore(
  config: CosmianBackendConfig,
  request: KmsRequestPolicy,
  logger?: KmipLogger,
): Promise<CosmianKeyStore> {
  const read = (path: string | undefined) => (path === undefined ? Promise.resolve(undefined) : readFile(path));
  const [ca, cert, key] = await Promise.all([
    read(config.caPath),
    read(config.clientCertPath),
    read(config.clientKeyPath),
  ]);
  const transport = new HttpsTransport({
    url: config.url,
    ...(config.token !== undefined ? { bearerToken: config.token } : {}),
    ...(config.apiKey !== undefined ? { headers: { 'x-api-key': config.apiKey } } : {}),
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
  });
  const client = new KmipClient(transport, {
    ...(logger ? { logger } : {}),
    retry: { maxAttempts: request.attempts, timeoutMs: request.timeoutMs },
  });
  const store = new CosmianKeyStore(client, config.namespace, {
    url: config.url,
    ca,
    cert,
    key,
    timeoutMs: request.timeoutMs,
  });
  try {
    await store.start();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

export class CosmianKeyStore implements KeyStore {
  readonly backend: KmsBackend = 'cosmian';
  private readonly publicKeyRefs = new Map<KeyReference, KeyReference>();
  private readonly algorithms = new Map<KeyReference, KeyAlgorithm>();

  constructor(
    private readonly client: KmipClient,
    readonly namespace: string,
    private readonly http: CosmianHttpOptions,
  ) {}

  /** Boot checks: a server that can sign (≥ 5.8), and credentials it accepts. */
  async start(): Promise<void> {
    const version = await fetchCosmianVersion(this.http);
    if (isOlderThanMinimum(version)) throw new CosmianServerTooOld(version);
    await this.client.locate({
      attributes: this.namespaceFilter(),
      maximumItems: 1,
    });
  }

  capabilities(): KeyStoreCapabilities {
    return CAPABILITIES;
  }

  async generateKeyPair(request: GenerateKeyPairRequest): Promise<GenerateKeyPairResult> {
    const { algorithm } = request;
    const name = kmipName(this.namespace, request.label);
    const existing = await this.client.locate({
      attributes: { objectType: 'PrivateKey', names: [{ value: name }] },
    });
    if (existing.uniqueIdentifiers.length > 0) {
      throw new KmsInvalidRequest(`cosmian: a key named "${name}" already exists`, { operation: 'CreateKeyPair' });
    }
    // The server reads the algorithm and the curve from the common attributes.
    const cryptography = isRsaAlgorithm(algorithm)
      ? {
          cryptographicAlgorithm: 'RSA',
          cryptographicLength: RSA_MODULUS_BITS[algorithm],
        }
      : {
          cryptographicAlgorithm: 'EC',
          cryptographicLength: EC_CURVE[algorithm].bits,
          cryptographicDomainParameters: {
            recommendedCurve: EC_CURVE[algorithm].recommendedCurve,
          },
        };
    const created = await this.client.createKeyPair({
      commonAttributes: {
        ...cryptography,
        activationDate: new Date(),
        vendorAttributes: [this.namespaceTag()],
      },
      privateKeyAttributes: {
        names: [{ value: name }],
        cryptographicUsageMask: SIGN_USAGE,
        sensitive: !request.isExportable,
      },
      publicKeyAttributes: { cryptographicUsageMask: VERIFY_USAGE },
    });
    const privateKeyRef = created.privateKeyUniqueIdentifier;
    const publicKeyRef = created.publicKeyUniqueIdentifier;
    this.publicKeyRefs.set(privateKeyRef, publicKeyRef);
    this.algorithms.set(privateKeyRef, algorithm);

    const { attributes } = await this.client.getAttributes({
      uniqueIdentifier: privateKeyRef,
      attributeReferences: ['State'],
    });
    if (attributes.state === 'PreActive') await this.client.activate(privateKeyRef);

    const publicKey = await this.client.getPublicKey(publicKeyRef, {
      keyFormatType: 'PKCS8',
    });
    return { privateKeyRef, publicKeyRef, publicKeySpki: publicKey.spki };
  }

  async getPublicKey(privateKeyRef: KeyReference): Promise<Uint8Array> {
    const publicKeyRef = await this.findPublicKeyRef(privateKeyRef);
    return (await this.client.getPublicKey(publicKeyRef, { keyFormatType: 'PKCS8' })).spki;
  }

  async sign(request: SignRequest): Promise<SignResult> {
    const algorithm = await this.algorithmOf(request.privateKeyRef);
    assertSchemeFitsKey(request.scheme, algorithm, 'cosmian');
    const response =
      request.scheme === 'ecdsa'
        ? await this.client.sign({
            uniqueIdentifier: request.privateKeyRef,
            cryptographicParameters: {
              digitalSignatureAlgorithm: `ECDSAWith${KMIP_HASH[request.hash]}`,
            },
            digestedData: createHash(NODE_HASH[request.hash]).update(request.data).digest(),
          })
        : await this.client.sign({
            uniqueIdentifier: request.privateKeyRef,
            cryptographicParameters: rsaParameters(request.scheme, request.hash),
            data: request.data,
          });
    return { signature: response.signatureData };
  }

  async revoke(request: RevokeKeyRequest): Promise<void> {
    await this.client.revoke({
      uniqueIdentifier: request.privateKeyRef,
      reason: KMIP_REVOCATION_REASON[request.reason],
      ...(request.message !== undefined ? { message: request.message } : {}),
      cascade: true,
    });
  }

  async destroy(privateKeyRef: KeyReference): Promise<void> {
    const { attributes } = await this.client.getAttributes({
      uniqueIdentifier: privateKeyRef,
      attributeReferences: ['State'],
    });
    const state = keyStateOf(attributes.state);
    if (state === 'destroyed') throw notFound(privateKeyRef, 'Destroy');
    if (state === 'active') {
      await this.client.revoke({
        uniqueIdentifier: privateKeyRef,
        reason: 'CessationOfOperation',
        message: 'destroyed by PKI Manager',
        cascade: true,
      });
    }
    await this.client.destroy({
      uniqueIdentifier: privateKeyRef,
      cascade: true,
    });
    this.publicKeyRefs.delete(privateKeyRef);
  }

  async describe(privateKeyRef: KeyReference): Promise<KeyDescription> {
    const { attributes } = await this.client.getAttributes({
      uniqueIdentifier: privateKeyRef,
    });
    return this.toDescription(privateKeyRef, attributes);
  }

  async list(): Promise<KeyDescription[]> {
    const located = await this.client.locate({
      attributes: this.namespaceFilter(),
    });
    const descriptions: KeyDescription[] = [];
    for (const ref of located.uniqueIdentifiers) {
      try {
        descriptions.push(await this.describe(ref));
      } catch (error) {
        if (!(error instanceof KmsNotFound)) throw error;
      }
    }
    return descriptions;
  }

  async health(): Promise<KeyStoreHealth> {
    const http = {
      ...this.http,
      timeoutMs: Math.min(this.http.timeoutMs, HEALTH_TIMEOUT_MS),
    };
    try {
      const version = await fetchCosmianVersion(http);
      if (isOlderThanMinimum(version)) {
        return {
          isHealthy: false,
          detail: new CosmianServerTooOld(version).message,
          serverVersion: version.text,
        };
      }
      const health = await fetchCosmianHealth(http);
      return health.isUp
        ? { isHealthy: true, serverVersion: version.text }
        : {
            isHealthy: false,
            detail: `cosmian: GET /health reports ${health.detail}`,
            serverVersion: version.text,
          };
    } catch (error) {
      return {
        isHealthy: false,
        detail: `cosmian: ${isKmsError(error) ? error.message : String(error)}`,
      };
    }
  }

  /** PKCS#8 DER of a key generated with `isExportable`; the KMS refuses Sensitive ones. */
  async exportPrivateKey(privateKeyRef: KeyReference): Promise<Uint8Array> {
    let response;
    try {
      response = await this.client.get({
        uniqueIdentifier: privateKeyRef,
        keyFormatType: 'PKCS8',
      });
    } catch (error) {
      if (isKmsError(error) && error.serverReason === 'Sensitive') {
        throw new KmsPermissionDenied(`cosmian: key ${privateKeyRef} was generated non-exportable (Sensitive)`, {
          operation: 'Get',
          serverReason: error.serverReason,
          serverMessage: error.serverMessage,
        });
      }
      throw error;
    }
    const { object } = response;
    if (object.objectType !== 'PrivateKey' || object.keyBlock.keyMaterial === undefined) {
      throw new KmsProtocolError(`cosmian: Get of ${privateKeyRef} did not return PKCS#8 private key bytes`, {
        operation: 'Get',
      });
    }
    return object.keyBlock.keyMaterial;
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private namespaceTag(): VendorAttribute {
    return {
      vendorIdentification: 'cosmian',
      attributeName: 'tag',
      attributeValue: JSON.stringify([this.namespace]),
    };
  }

  private namespaceFilter() {
    return {
      objectType: 'PrivateKey',
      vendorAttributes: [this.namespaceTag()],
    };
  }

  private toDescription(privateKeyRef: KeyReference, attributes: ParsedAttributes): KeyDescription {
    const state = keyStateOf(attributes.state);
    const label = labelOf(this.namespace, attributes.names);
    if (state === undefined || state === 'destroyed' || label === undefined || attributes.objectType === 'PublicKey') {
      throw notFound(privateKeyRef, 'GetAttributes');
    }
    const algorithm = keyAlgorithmOf(attributes);
    if (algorithm !== undefined) this.algorithms.set(privateKeyRef, algorithm);
    const publicKeyRef = attributes.links?.find((link) => link.linkType === 'PublicKeyLink')?.linkedObjectIdentifier;
    if (publicKeyRef !== undefined) this.publicKeyRefs.set(privateKeyRef, publicKeyRef);
    return {
      privateKeyRef,
      publicKeyRef,
      label,
      algorithm,
      state,
      isExportable: attributes.sensitive !== true,
      createdAt: attributes.initialDate,
    };
  }

  private async algorithmOf(privateKeyRef: KeyReference): Promise<KeyAlgorithm> {
    const cached = this.algorithms.get(privateKeyRef);
    if (cached !== undefined) return cached;
    const { attributes } = await this.client.getAttributes({
      uniqueIdentifier: privateKeyRef,
    });
    if (keyStateOf(attributes.state) === 'destroyed') throw notFound(privateKeyRef, 'Sign');
    const algorithm = keyAlgorithmOf(attributes);
    if (algorithm === undefined) {
      throw new KmsInvalidRequest(`cosmian: key ${privateKeyRef} is not one of ${KEY_ALGORITHMS.join(', ')}`, {
        operation: 'Sign',
      });
    }
    this.algorithms.set(privateKeyRef, algorithm);
    return algorithm;
  }

  private async findPublicKeyRef(privateKeyRef: KeyReference): Promise<KeyReference> {
    const cached = this.publicKeyRefs.get(privateKeyRef);
    if (cached !== undefined) return cached;
    await this.describe(privateKeyRef);
    const found = this.publicKeyRefs.get(privateKeyRef);
    if (found === undefined) throw notFound(privateKeyRef, 'Get', 'it has no PublicKeyLink');
    return found;
  }
}

/** RSA: the DigitalSignatureAlgorithm picks the scheme on Cosmian (PaddingMethod is ignored). */
function rsaParameters(scheme: Exclude<SignatureScheme, 'ecdsa'>, hash: SignRequest['hash']): CryptographicParameters {
  const hashingAlgorithm = KMIP_HASH[hash];
  return scheme === 'rsa-pss'
    ? {
        digitalSignatureAlgorithm: 'RSASSAPSS',
        hashingAlgorithm,
        saltLength: DIGEST_BYTES[hash],
      }
    : {
        digitalSignatureAlgorithm: `${hashingAlgorithm}WithRSAEncryption`,
        hashingAlgorithm,
      };
}

function notFound(ref: KeyReference, operation: string, why = 'it does not exist or was destroyed'): KmsNotFound {
  return new KmsNotFound(`cosmian: key ${ref} not found: ${why}`, {
    operation,
  });
}

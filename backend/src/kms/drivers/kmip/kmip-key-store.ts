/**
 * `kmip`: any KMIP server over binary TTLV and mutual TLS (PyKMIP in our tests; Cosmian's
 * socket server, Thales CipherTrust, Fortanix elsewhere).
 *
 * Config: `PKI_KMS_BACKEND=kmip`, `PKI_KMIP_HOST`, `PKI_KMIP_PORT` (default 5696),
 * `PKI_KMIP_CA` (PEM of the server's CA), `PKI_KMIP_CERT` + `PKI_KMIP_KEY` (our client
 * certificate, PEM; its identity owns the keys), `PKI_KMS_NAMESPACE` (label prefix, default
 * `pki-manager`), `PKI_KMS_ATTEMPTS` / `PKI_KMS_TIMEOUT_MS` (retry policy). Example:
 *
 *     PKI_KMS_BACKEND=kmip PKI_KMIP_HOST=kmip.internal PKI_KMIP_PORT=5696 \
 *     PKI_KMIP_CA=/etc/pki/kmip-ca.pem PKI_KMIP_CERT=/etc/pki/kmip-client.pem \
 *     PKI_KMIP_KEY=/etc/pki/kmip-client.key pnpm start
 *
 * How it uses KMIP, and why:
 * - The protocol version is negotiated by the client with DiscoverVersions (2.1 down to 1.2).
 * - A key pair is created with the unique Name `<namespace>/<label>` on the private key (the
 *   client adds `-public` for the public key), so a create retried after a lost answer is
 *   found by Locate instead of made twice. A label already in use is refused first.
 * - Keys that the server leaves PreActive (PyKMIP, and KMIP's default) are Activated, since
 *   Sign needs an Active key.
 * - The public key comes back as SPKI DER whatever the server sends (PyKMIP sends PKCS#1).
 * - Sign sends the data with CryptographicParameters {CryptographicAlgorithm, PaddingMethod,
 *   HashingAlgorithm}, which PyKMIP requires; the server hashes.
 * - Destroy revokes an Active key first (KMIP servers refuse to destroy one), then destroys
 *   the public key too: plain KMIP has no cascade, so the driver does it.
 *
 * What it declares (capabilities): RSA 2048/3072/4096 with PKCS#1 v1.5 only. Not EC: PyKMIP's
 * crypto engine generates RSA pairs only. Not PSS: PyKMIP signs PSS with the maximum salt
 * length, not the digest length that X.509 profiles and our verifiers expect. Private keys
 * never leave the server.
 */
import { readFile } from 'node:fs/promises';

import type { KeyAlgorithm, KmsBackend } from '@pki/shared';

import { KmipClient, KmsInvalidRequest, KmsNotFound, TlsTransport, isKmsError } from '../../kmip/index.js';
import type { KmipLogger, KmsError, ParsedAttributes } from '../../kmip/index.js';
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
  KMIP_HASH,
  KMIP_REVOCATION_REASON,
  RSA_MODULUS_BITS,
  isRsaAlgorithm,
  keyAlgorithmOf,
  keyStateOf,
  kmipName,
  labelOf,
} from './kmip-key-mapping.js';

/** The `kmip` variant of `KmsConfig` (config.ts). */
export interface KmipBackendConfig {
  backend: 'kmip';
  namespace: string;
  host: string;
  port: number;
  caPath: string;
  certPath: string;
  keyPath: string;
}

export interface KmsRequestPolicy {
  attempts: number;
  timeoutMs: number;
}

const SIGN_USAGE = 0x1;
const VERIFY_USAGE = 0x2;
/** Health must answer fast even when the retry policy is generous. */
const HEALTH_TIMEOUT_MS = 5_000;

/**
 * `doesCascadeToPublicKey`: destroy() removes the public key as well (the driver does what a
 * cascade would). revoke() leaves it as the server made it: never activated (PreActive on
 * PyKMIP), so it was never usable for protection in the first place.
 */
const CAPABILITIES: KeyStoreCapabilities = Object.freeze({
  algorithms: ['rsa-2048', 'rsa-3072', 'rsa-4096'] as const,
  signatureSchemes: ['rsa-pkcs1-v1_5'] as const,
  canExportPrivateKey: false,
  doesCascadeToPublicKey: true,
});

/** Opens the driver from validated config: reads the PEM files and builds the TLS client. */
export async function openKmipKeyStore(
  config: KmipBackendConfig,
  request: KmsRequestPolicy,
  logger?: KmipLogger,
): Promise<KmipKeyStore> {
  const [ca, cert, key] = await Promise.all([
    readFile(config.caPath),
    readFile(config.certPath),
    readFile(config.keyPath),
  ]);
  const transport = new TlsTransport({
    host: config.host,
    port: config.port,
    ca,
    cert,
    key,
  });
  const client = new KmipClient(transport, {
    ...(logger ? { logger } : {}),
    retry: { maxAttempts: request.attempts, timeoutMs: request.timeoutMs },
  });
  return new KmipKeyStore(client, config.namespace);
}

export class KmipKeyStore implements KeyStore {
  readonly backend: KmsBackend = 'kmip';
  /** Private key ref → public key ref, learned at generation or lookup. */
  private readonly publicKeyRefs = new Map<KeyReference, KeyReference>();

  constructor(
    private readonly client: KmipClient,
    readonly namespace: string,
  ) {}

  capabilities(): KeyStoreCapabilities {
    return CAPABILITIES;
  }

  async generateKeyPair(request: GenerateKeyPairRequest): Promise<GenerateKeyPairResult> {
    const { algorithm } = request;
    if (!isRsaAlgorithm(algorithm) || !CAPABILITIES.algorithms.includes(algorithm)) {
      throw new KmsInvalidRequest(
        `kmip: ${algorithm} is not supported (capabilities: ${CAPABILITIES.algorithms.join(', ')})`,
        {
          operation: 'CreateKeyPair',
        },
      );
    }
    if (request.isExportable) {
      throw new KmsInvalidRequest('kmip: private keys never leave the KMIP server; generate with isExportable=false', {
        operation: 'CreateKeyPair',
      });
    }
    const name = kmipName(this.namespace, request.label);
    const existing = await this.client.locate({
      attributes: { objectType: 'PrivateKey', names: [{ value: name }] },
    });
    if (existing.uniqueIdentifiers.length > 0) {
      throw new KmsInvalidRequest(`kmip: a key named "${name}" already exists`, { operation: 'CreateKeyPair' });
    }

    const created = await this.client.createKeyPair({
      commonAttributes: {
        cryptographicAlgorithm: 'RSA',
        cryptographicLength: RSA_MODULUS_BITS[algorithm],
      },
      privateKeyAttributes: {
        names: [{ value: name }],
        cryptographicUsageMask: SIGN_USAGE,
      },
      publicKeyAttributes: { cryptographicUsageMask: VERIFY_USAGE },
    });
    const privateKeyRef = created.privateKeyUniqueIdentifier;
    const publicKeyRef = created.publicKeyUniqueIdentifier;
    this.publicKeyRefs.set(privateKeyRef, publicKeyRef);

    const { attributes } = await this.client.getAttributes({
      uniqueIdentifier: privateKeyRef,
      attributeReferences: ['State'],
    });
    if (attributes.state === 'PreActive') await this.client.activate(privateKeyRef);

    const publicKey = await this.client.getPublicKey(publicKeyRef);
    return { privateKeyRef, publicKeyRef, publicKeySpki: publicKey.spki };
  }

  async getPublicKey(privateKeyRef: KeyReference): Promise<Uint8Array> {
    const publicKeyRef = await this.findPublicKeyRef(privateKeyRef);
    return (await this.client.getPublicKey(publicKeyRef)).spki;
  }

  async sign(request: SignRequest): Promise<SignResult> {
    if (!CAPABILITIES.signatureSchemes.includes(request.scheme)) {
      throw new KmsInvalidRequest(
        `kmip: ${request.scheme} is not supported (capabilities: ${CAPABILITIES.signatureSchemes.join(', ')})`,
        {
          operation: 'Sign',
        },
      );
    }
    const response = await this.client.sign({
      uniqueIdentifier: request.privateKeyRef,
      cryptographicParameters: {
        cryptographicAlgorithm: 'RSA',
        paddingMethod: 'PKCS1v15',
        hashingAlgorithm: KMIP_HASH[request.hash],
      },
      data: request.data,
    });
    return { signature: response.signatureData };
  }

  async revoke(request: RevokeKeyRequest): Promise<void> {
    await this.client.revoke({
      uniqueIdentifier: request.privateKeyRef,
      reason: KMIP_REVOCATION_REASON[request.reason],
      ...(request.message !== undefined ? { message: request.message } : {}),
    });
  }

  async destroy(privateKeyRef: KeyReference): Promise<void> {
    const { attributes } = await this.client.getAttributes({
      uniqueIdentifier: privateKeyRef,
    });
    if (keyStateOf(attributes.state) === 'destroyed') throw notFound(privateKeyRef, 'Destroy');
    const publicKeyRef = await this.findPublicKeyRef(privateKeyRef, attributes).catch((error: unknown) => {
      if (error instanceof KmsNotFound) return undefined;
      throw error;
    });
    if (attributes.state === 'Active') {
      await this.client.revoke({
        uniqueIdentifier: privateKeyRef,
        reason: 'CessationOfOperation',
        message: 'destroyed by PKI Manager',
      });
    }
    await this.client.destroy({ uniqueIdentifier: privateKeyRef });
    this.publicKeyRefs.delete(privateKeyRef);
    if (publicKeyRef !== undefined) await this.destroyPublicKey(publicKeyRef);
  }

  async describe(privateKeyRef: KeyReference): Promise<KeyDescription> {
    const { attributes } = await this.client.getAttributes({
      uniqueIdentifier: privateKeyRef,
    });
    return this.toDescription(privateKeyRef, attributes);
  }

  async list(): Promise<KeyDescription[]> {
    // KMIP Locate matches whole Names only, so list our private keys and keep our prefix.
    const located = await this.client.locate({
      attributes: { objectType: 'PrivateKey' },
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
    const signal = AbortSignal.timeout(HEALTH_TIMEOUT_MS);
    try {
      const version = await this.client.protocolVersion({ signal });
      const information = await this.client.query(['QueryServerInformation'], {
        signal,
      });
      const server = [information.vendorIdentification, information.serverName, information.serverVersion]
        .filter(Boolean)
        .join(' ');
      return {
        isHealthy: true,
        serverVersion: `${server || 'KMIP server'} (KMIP ${version.major}.${version.minor})`,
      };
    } catch (error) {
      return {
        isHealthy: false,
        detail: `kmip: ${isKmsError(error) ? error.message : String(error)}`,
      };
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private toDescription(privateKeyRef: KeyReference, attributes: ParsedAttributes): KeyDescription {
    const state = keyStateOf(attributes.state);
    const label = labelOf(this.namespace, attributes.names);
    // A destroyed key, or one that is not ours, is as good as absent for this key store.
    if (state === undefined || state === 'destroyed' || label === undefined || attributes.objectType === 'PublicKey') {
      throw notFound(privateKeyRef, 'GetAttributes');
    }
    const algorithm: KeyAlgorithm | undefined = keyAlgorithmOf(attributes);
    return {
      privateKeyRef,
      publicKeyRef:
        attributes.links?.find((link) => link.linkType === 'PublicKeyLink')?.linkedObjectIdentifier ??
        this.publicKeyRefs.get(privateKeyRef),
      label,
      algorithm,
      state,
      isExportable: false,
      createdAt: attributes.initialDate,
    };
  }

  /**
   * The public key of a pair: the PublicKeyLink when the server keeps links (Cosmian,
   * Thales), else the `-public` Name the client gave it (PyKMIP keeps no links).
   */
  private async findPublicKeyRef(privateKeyRef: KeyReference, known?: ParsedAttributes): Promise<KeyReference> {
    const cached = this.publicKeyRefs.get(privateKeyRef);
    if (cached !== undefined) return cached;
    const attributes = known ?? (await this.client.getAttributes({ uniqueIdentifier: privateKeyRef })).attributes;
    if (keyStateOf(attributes.state) === 'destroyed') throw notFound(privateKeyRef, 'Get');
    let publicKeyRef = attributes.links?.find((link) => link.linkType === 'PublicKeyLink')?.linkedObjectIdentifier;
    const name = attributes.names?.[0]?.value;
    if (publicKeyRef === undefined && name !== undefined) {
      const located = await this.client.locate({
        attributes: {
          objectType: 'PublicKey',
          names: [{ value: `${name}-public` }],
        },
      });
      publicKeyRef = located.uniqueIdentifiers[0];
    }
    if (publicKeyRef === undefined) throw notFound(privateKeyRef, 'Get', 'its public key cannot be found');
    this.publicKeyRefs.set(privateKeyRef, publicKeyRef);
    return publicKeyRef;
  }

  private async destroyPublicKey(publicKeyRef: KeyReference): Promise<void> {
    try {
      await this.client.destroy({ uniqueIdentifier: publicKeyRef });
    } catch (error) {
      if (error instanceof KmsNotFound) return;
      // A server that activated the public key refuses to destroy it until it is revoked.
      if (!isPermissionRefusal(error)) throw error;
      await this.client.revoke({
        uniqueIdentifier: publicKeyRef,
        reason: 'CessationOfOperation',
      });
      await this.client.destroy({ uniqueIdentifier: publicKeyRef });
    }
  }
}

function isPermissionRefusal(error: unknown): error is KmsError {
  return isKmsError(error) && error.code === 'KMS_PERMISSION_DENIED';
}

function notFound(ref: KeyReference, operation: string, why = 'it does not exist or was destroyed'): KmsNotFound {
  return new KmsNotFound(`kmip: key ${ref} not found: ${why}`, { operation });
}

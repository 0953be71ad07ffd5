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

import type { KmsBackend } from '@pki/shared';

import type { Config, KmsConfig } from '../../../config.js';
import { KmipClient, KmsInvalidRequest, KmsNotFound, TlsTransport, isKmsError } from '../../kmip/index.js';
import type { KmipLogger, KmsError, ParsedAttributes } from '../../kmip/index.js';
import type {
  GenerateKeyPairRequest,
  GenerateKeyPairResult,
  KeyReference,
  KeyStore,
  KeyStoreCapabilities,
  RevokeKeyRequest,
  SignRequest,
  SignResult,
} from '../../key-store.js';
import { HEALTH_CALL, KmipBackedKeyStore, SIGN_USAGE, VERIFY_USAGE } from './kmip-backed-key-store.js';
import { KMIP_HASH, KMIP_REVOCATION_REASON, RSA_MODULUS_BITS, isRsaAlgorithm, keyStateOf } from './kmip-key-mapping.js';

/** The `kmip` variant of `KmsConfig`, as config.ts validates it. */
export type KmipBackendConfig = Extract<KmsConfig, { backend: 'kmip' }>;

/** PKI_KMS_ATTEMPTS / PKI_KMS_TIMEOUT_MS, as config.ts validates them. */
export type KmsRequestPolicy = Config['kmsRequest'];

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

export class KmipKeyStore extends KmipBackedKeyStore implements KeyStore {
  readonly backend: KmsBackend = 'kmip';
  /** PyKMIP answers PKCS#1 whatever is asked; the client converts to SPKI. */
  protected readonly publicKeyFormat = undefined;

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
    return this.createNamedKeyPair(request, {
      commonAttributes: {
        cryptographicAlgorithm: 'RSA',
        cryptographicLength: RSA_MODULUS_BITS[algorithm],
      },
      privateKeyAttributes: { cryptographicUsageMask: SIGN_USAGE },
      publicKeyAttributes: { cryptographicUsageMask: VERIFY_USAGE },
    });
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
    if (keyStateOf(attributes.state) === 'destroyed') throw this.notFound(privateKeyRef, 'Destroy');
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

  /** KMIP Locate matches whole Names only, so list our private keys and keep our prefix. */
  protected async locateOwnKeys(): Promise<readonly KeyReference[]> {
    return (await this.client.locate({ attributes: { objectType: 'PrivateKey' } })).uniqueIdentifiers;
  }

  protected async probe(): Promise<{ serverVersion: string }> {
    const version = await this.client.protocolVersion(HEALTH_CALL);
    const information = await this.client.query(['QueryServerInformation'], HEALTH_CALL);
    const server = [information.vendorIdentification, information.serverName, information.serverVersion]
      .filter(Boolean)
      .join(' ');
    return { serverVersion: `${server || 'KMIP server'} (KMIP ${version.major}.${version.minor})` };
  }

  protected isExportable(): boolean {
    return false;
  }

  /** PyKMIP keeps no links: the public key carries the `-public` Name the client gave it. */
  protected override async unlinkedPublicKeyRef(attributes: ParsedAttributes): Promise<KeyReference | undefined> {
    const name = attributes.names?.[0]?.value;
    if (name === undefined) return undefined;
    const located = await this.client.locate({
      attributes: { objectType: 'PublicKey', names: [{ value: `${name}-public` }] },
    });
    return located.uniqueIdentifiers[0];
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

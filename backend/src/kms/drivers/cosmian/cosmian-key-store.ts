/**
 * `cosmian`: Cosmian KMS 5.15 and later through its KMIP 2.1 JSON TTLV endpoint (`POST /kmip/2_1`).
 *
 * Config: `PKI_KMS_BACKEND=cosmian`, `PKI_COSMIAN_URL` (e.g. `https://kms.internal:9998`),
 * `PKI_COSMIAN_TOKEN` (the API token: base64 of the key named by the server's `api_token_id`,
 * sent as `Authorization: Bearer …`; a JWT works the same way) and/or `PKI_COSMIAN_API_KEY`
 * (sent as `X-API-Key` for deployments behind an API-key gateway), `PKI_COSMIAN_CA` (PEM of a
 * private CA), `PKI_COSMIAN_CLIENT_CERT` + `PKI_COSMIAN_CLIENT_KEY` (mutual TLS; the KMS user
 * is the certificate's CN), `PKI_COSMIAN_VENDOR_ID` (the server's KMS_VENDOR_IDENTIFICATION,
 * default `cosmian`), `PKI_KMS_NAMESPACE` (label prefix and Cosmian tag, default
 * `pki-manager`), `PKI_KMS_ATTEMPTS` / `PKI_KMS_TIMEOUT_MS` (retry policy). Example:
 *
 *     PKI_KMS_BACKEND=cosmian PKI_COSMIAN_URL=https://kms.internal:9998 \
 *     PKI_COSMIAN_TOKEN="$(cat /run/secrets/cosmian-token)" PKI_COSMIAN_CA=/etc/pki/kms-ca.pem pnpm start
 *
 * Boot: opening makes no network call, so the app starts while the KMS is down. The first
 * call that reaches the server checks it (cosmian-server-check.ts: version floor 5.15,
 * credentials, vendor id); until that check passes, every operation runs it first and fails
 * with its reason. health() repeats the check with an authenticated KMIP Query, so a revoked
 * token or a downgraded server shows as not ready.
 *
 * How it uses Cosmian, and why (COSMIAN.md §3–§4, Cosmian 5.15–5.26 source; what changes
 * with the version is in cosmian-versions.ts):
 * - It operates on the private key only and lets the KMS handle the linked public key
 *   (sending both gave spurious Item_Not_Found): Revoke and Destroy carry `Cascade=true`,
 *   which is off by default since 5.13.
 * - CreateKeyPair puts algorithm, size, curve, `ActivationDate` = now and the tags in
 *   CommonAttributes: the server reads size, curve and tags from there only. A key still
 *   PreActive (clock skew, servers before 5.25) is Activated explicitly.
 * - Each private key carries the Name `<namespace>/<label>` (unique, so a retried create is
 *   found by Locate) and the Cosmian tags of cosmian-key-listing.ts, which `list()` locates by.
 * - A non-exportable key is created `Sensitive`, so the KMS itself refuses to export it.
 * - Destroy revokes an Active key first: Cosmian refuses to destroy one
 *   (`Wrong_Key_Lifecycle_State: DENIED`). GetAttributes still answers for destroyed keys
 *   (State Destroyed); the driver reports those as not found.
 * - Sign: cosmian-signing.ts picks Data or DigestedData so that every version signs our hash.
 *   A refusal of a key that is not Active (Item_Not_Found before 5.25) is reported as
 *   KmsPermissionDenied, as on 5.25+.
 * - getPublicKey uses Get, which Cosmian refuses for Deactivated keys; the public key given at
 *   generation is what the app keeps and shows.
 * - Errors: the client sends RequestMessages, so KMIP failures come back as failed batch
 *   items (200); HTTP 401 (credentials), 422 (text) and 5xx are normalized by the transport.
 */
import { readFile } from 'node:fs/promises';

import { KEY_ALGORITHMS, SIGNATURE_SCHEMES } from '@pki/shared';
import type { KeyAlgorithm, KmsBackend } from '@pki/shared';

import type { KmsConfig } from '../../../config.js';
import {
  HttpsTransport,
  KmipClient,
  KmsInvalidRequest,
  KmsNotFound,
  KmsPermissionDenied,
  KmsProtocolError,
  isKmsError,
} from '../../kmip/index.js';
import type { KmipLogger, ParsedAttributes } from '../../kmip/index.js';
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
import { HEALTH_CALL, KmipBackedKeyStore, SIGN_USAGE, VERIFY_USAGE } from '../kmip/kmip-backed-key-store.js';
import {
  EC_CURVE,
  KMIP_REVOCATION_REASON,
  RSA_MODULUS_BITS,
  assertSchemeFitsKey,
  isRsaAlgorithm,
  keyAlgorithmOf,
  keyStateOf,
  kmipName,
} from '../kmip/kmip-key-mapping.js';
import type { KmsRequestPolicy } from '../kmip/kmip-key-store.js';
import { keyTags, locateTaggedKeys, tagAttribute } from './cosmian-key-listing.js';
import type { CosmianTagging } from './cosmian-key-listing.js';
import { checkCosmianServer } from './cosmian-server-check.js';
import type { CosmianHttpOptions } from './cosmian-server-info.js';
import { cosmianSignRequest } from './cosmian-signing.js';
import type { CosmianServer } from './cosmian-versions.js';

/** The `cosmian` variant of `KmsConfig`, as config.ts validates it. */
export type CosmianBackendConfig = Extract<KmsConfig, { backend: 'cosmian' }>;

const CAPABILITIES: KeyStoreCapabilities = Object.freeze({
  algorithms: KEY_ALGORITHMS,
  signatureSchemes: SIGNATURE_SCHEMES,
  canExportPrivateKey: true,
  doesCascadeToPublicKey: true,
});

/** Builds the driver from validated config; reads the PEM files, contacts no server. */
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
  const headers = {
    ...(config.token !== undefined ? { authorization: `Bearer ${config.token}` } : {}),
    ...(config.apiKey !== undefined ? { 'x-api-key': config.apiKey } : {}),
  };
  const transport = new HttpsTransport({
    url: config.url,
    headers,
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
  });
  const client = new KmipClient(transport, {
    ...(logger ? { logger } : {}),
    retry: { maxAttempts: request.attempts, timeoutMs: request.timeoutMs },
  });
  return new CosmianKeyStore(
    client,
    { namespace: config.namespace, vendorId: config.vendorId },
    { url: config.url, ca, cert, key, headers, timeoutMs: request.timeoutMs },
  );
}

export class CosmianKeyStore extends KmipBackedKeyStore implements KeyStore {
  readonly backend: KmsBackend = 'cosmian';
  protected readonly publicKeyFormat = 'PKCS8';
  /** Set once the server has passed the first-contact check; health() refreshes it. */
  private server: CosmianServer | undefined;
  private pendingCheck: Promise<CosmianServer> | undefined;

  constructor(
    client: KmipClient,
    private readonly tagging: CosmianTagging,
    private readonly http: CosmianHttpOptions,
  ) {
    super(client, tagging.namespace);
  }

  capabilities(): KeyStoreCapabilities {
    return CAPABILITIES;
  }

  /** The checked server: the cached answer, or the first-contact check (shared by concurrent callers). */
  checkedServer(): Promise<CosmianServer> {
    if (this.server !== undefined) return Promise.resolve(this.server);
    this.pendingCheck ??= this.check(false).finally(() => {
      this.pendingCheck = undefined;
    });
    return this.pendingCheck;
  }

  async generateKeyPair(request: GenerateKeyPairRequest): Promise<GenerateKeyPairResult> {
    await this.checkedServer();
    const { algorithm } = request;
    const cryptography = isRsaAlgorithm(algorithm)
      ? { cryptographicAlgorithm: 'RSA', cryptographicLength: RSA_MODULUS_BITS[algorithm] }
      : {
          cryptographicAlgorithm: 'EC',
          cryptographicLength: EC_CURVE[algorithm].bits,
          cryptographicDomainParameters: { recommendedCurve: EC_CURVE[algorithm].recommendedCurve },
        };
    const name = kmipName(this.namespace, request.label);
    return this.createNamedKeyPair(request, {
      commonAttributes: {
        ...cryptography,
        activationDate: new Date(),
        vendorAttributes: [tagAttribute(this.tagging, keyTags(this.tagging, name))],
      },
      privateKeyAttributes: { cryptographicUsageMask: SIGN_USAGE, sensitive: !request.isExportable },
      publicKeyAttributes: { cryptographicUsageMask: VERIFY_USAGE },
    });
  }

  override async getPublicKey(privateKeyRef: KeyReference): Promise<Uint8Array> {
    await this.checkedServer();
    return super.getPublicKey(privateKeyRef);
  }

  override async describe(privateKeyRef: KeyReference) {
    await this.checkedServer();
    return super.describe(privateKeyRef);
  }

  async sign(request: SignRequest): Promise<SignResult> {
    const server = this.server ?? (await this.checkedServer());
    const algorithm = await this.algorithmOf(request.privateKeyRef);
    assertSchemeFitsKey(request.scheme, algorithm, 'cosmian');
    try {
      const response = await this.client.sign(cosmianSignRequest(server, algorithm, request));
      return { signature: response.signatureData };
    } catch (error) {
      if (error instanceof KmsNotFound) throw await this.explainSignRefusal(request.privateKeyRef, error);
      throw error;
    }
  }

  async revoke(request: RevokeKeyRequest): Promise<void> {
    await this.checkedServer();
    await this.client.revoke({
      uniqueIdentifier: request.privateKeyRef,
      reason: KMIP_REVOCATION_REASON[request.reason],
      ...(request.message !== undefined ? { message: request.message } : {}),
      cascade: true,
    });
  }

  async destroy(privateKeyRef: KeyReference): Promise<void> {
    await this.checkedServer();
    const { attributes } = await this.client.getAttributes({
      uniqueIdentifier: privateKeyRef,
      attributeReferences: ['State'],
    });
    const state = keyStateOf(attributes.state);
    if (state === 'destroyed') throw this.notFound(privateKeyRef, 'Destroy');
    if (state === 'active') {
      await this.client.revoke({
        uniqueIdentifier: privateKeyRef,
        reason: 'CessationOfOperation',
        message: 'destroyed by PKI Manager',
        cascade: true,
      });
    }
    await this.client.destroy({ uniqueIdentifier: privateKeyRef, cascade: true });
    this.publicKeyRefs.delete(privateKeyRef);
  }

  /** PKCS#8 DER of a key generated with `isExportable`; the KMS refuses Sensitive ones. */
  async exportPrivateKey(privateKeyRef: KeyReference): Promise<Uint8Array> {
    await this.checkedServer();
    let response;
    try {
      response = await this.client.get({ uniqueIdentifier: privateKeyRef, keyFormatType: 'PKCS8' });
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

  protected async locateOwnKeys(): Promise<readonly KeyReference[]> {
    return locateTaggedKeys(this.client, this.tagging, await this.checkedServer());
  }

  protected async probe(): Promise<{ serverVersion: string }> {
    try {
      return { serverVersion: (await this.check(true)).text };
    } catch (error) {
      // A server that no longer passes (downgraded, token revoked, vendor changed) is
      // checked again before the next operation.
      this.server = undefined;
      throw error;
    }
  }

  protected isExportable(attributes: ParsedAttributes): boolean {
    return attributes.sensitive !== true;
  }

  private async check(isHealthProbe: boolean): Promise<CosmianServer> {
    const server = await checkCosmianServer({
      http: isHealthProbe ? { ...this.http, timeoutMs: Math.min(this.http.timeoutMs, 5_000) } : this.http,
      client: this.client,
      vendorId: this.tagging.vendorId,
      includesHealth: isHealthProbe,
      ...(isHealthProbe ? { call: HEALTH_CALL } : {}),
    });
    this.server = server;
    return server;
  }

  /**
   * Before 5.25 Cosmian answers Sign on a revoked key with the Item_Not_Found of an unknown
   * key; 5.25+ says Permission_Denied. Report the same on every version.
   */
  private async explainSignRefusal(privateKeyRef: KeyReference, refusal: KmsNotFound): Promise<Error> {
    const attributes = await this.client
      .getAttributes({ uniqueIdentifier: privateKeyRef, attributeReferences: ['State'] })
      .then(
        (answer) => answer.attributes,
        () => undefined,
      );
    const state = keyStateOf(attributes?.state);
    if (state === undefined || state === 'destroyed' || state === 'active') return refusal;
    return new KmsPermissionDenied(`cosmian: key ${privateKeyRef} is ${state}; only an active key signs`, {
      operation: 'Sign',
      serverReason: refusal.serverReason,
      serverMessage: refusal.serverMessage,
    });
  }

  private async algorithmOf(privateKeyRef: KeyReference): Promise<KeyAlgorithm> {
    const cached = this.algorithms.get(privateKeyRef);
    if (cached !== undefined) return cached;
    const { attributes } = await this.client.getAttributes({ uniqueIdentifier: privateKeyRef });
    if (keyStateOf(attributes.state) === 'destroyed') throw this.notFound(privateKeyRef, 'Sign');
    const algorithm = keyAlgorithmOf(attributes);
    if (algorithm === undefined) {
      throw new KmsInvalidRequest(`cosmian: key ${privateKeyRef} is not one of ${KEY_ALGORITHMS.join(', ')}`, {
        operation: 'Sign',
      });
    }
    this.algorithms.set(privateKeyRef, algorithm);
    return algorithm;
  }
}

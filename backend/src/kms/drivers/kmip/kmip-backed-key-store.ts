/**
 * What the two KMIP-speaking drivers (`kmip` over binary TTLV, `cosmian` over JSON TTLV)
 * do alike, once: create a named key pair and activate it, keep the public key refs and
 * algorithms they learn, describe a key from its attributes, list keys by describing what a
 * Locate found, fetch a public key, and report health from one probe. Each driver supplies
 * only what its server needs differently (attributes, how to find our keys, the probe).
 */
import type { KeyAlgorithm, KmsBackend } from '@pki/shared';

import { KmsInvalidRequest, KmsNotFound, isKmsError } from '../../kmip/index.js';
import type { Attributes, CallOptions, KmipClient, ParsedAttributes } from '../../kmip/index.js';
import type {
  GenerateKeyPairRequest,
  GenerateKeyPairResult,
  KeyDescription,
  KeyReference,
  KeyStoreHealth,
} from '../../key-store.js';
import { keyAlgorithmOf, keyStateOf, kmipName, labelOf } from './kmip-key-mapping.js';

export const SIGN_USAGE = 0x1;
export const VERIFY_USAGE = 0x2;
/** Health must answer fast even when the retry policy is generous: one try, 5 s. */
export const HEALTH_CALL: CallOptions = { retry: { maxAttempts: 1, timeoutMs: 5_000 } };
/** Describes run this many at a time while listing: a few in flight, never a thousand. */
const DESCRIBE_CONCURRENCY = 8;

/** The three attribute sets of a CreateKeyPair, minus the Name the base adds. */
export interface KeyPairAttributes {
  commonAttributes: Attributes;
  privateKeyAttributes: Attributes;
  publicKeyAttributes: Attributes;
}

/** Drivers extend this and implement KeyStore: the rest of the contract is theirs. */
export abstract class KmipBackedKeyStore {
  abstract readonly backend: KmsBackend;
  /** Private key ref → public key ref, learned at generation or lookup. */
  protected readonly publicKeyRefs = new Map<KeyReference, KeyReference>();
  protected readonly algorithms = new Map<KeyReference, KeyAlgorithm>();

  constructor(
    protected readonly client: KmipClient,
    readonly namespace: string,
  ) {}

  /** The refs of every private key this store may own (describe() sorts out the others). */
  protected abstract locateOwnKeys(): Promise<readonly KeyReference[]>;
  /** One call that proves the server answers our credentials; returns what it says it is. */
  protected abstract probe(): Promise<{ serverVersion: string }>;
  /** Whether a private key with these attributes can leave the server. */
  protected abstract isExportable(attributes: ParsedAttributes): boolean;
  /** The KeyFormatType to ask for a public key in, if the server needs one. */
  protected abstract readonly publicKeyFormat: string | undefined;

  /**
   * CreateKeyPair under `<namespace>/<label>` (unique, so a retried create is found by Locate
   * instead of made twice), refusing a label already in use, then Activate if the server left
   * the key PreActive (Sign needs Active).
   */
  protected async createNamedKeyPair(
    request: GenerateKeyPairRequest,
    attributes: KeyPairAttributes,
  ): Promise<GenerateKeyPairResult> {
    const name = kmipName(this.namespace, request.label);
    const existing = await this.client.locate({
      attributes: { objectType: 'PrivateKey', names: [{ value: name }] },
    });
    if (existing.uniqueIdentifiers.length > 0) {
      throw new KmsInvalidRequest(`${this.backend}: a key named "${name}" already exists`, {
        operation: 'CreateKeyPair',
      });
    }
    const created = await this.client.createKeyPair({
      ...attributes,
      privateKeyAttributes: { ...attributes.privateKeyAttributes, names: [{ value: name }] },
    });
    const privateKeyRef = created.privateKeyUniqueIdentifier;
    const publicKeyRef = created.publicKeyUniqueIdentifier;
    this.publicKeyRefs.set(privateKeyRef, publicKeyRef);
    this.algorithms.set(privateKeyRef, request.algorithm);

    const { attributes: state } = await this.client.getAttributes({
      uniqueIdentifier: privateKeyRef,
      attributeReferences: ['State'],
    });
    if (state.state === 'PreActive') await this.client.activate(privateKeyRef);

    const publicKey = await this.fetchPublicKey(publicKeyRef);
    return { privateKeyRef, publicKeyRef, publicKeySpki: publicKey };
  }

  async getPublicKey(privateKeyRef: KeyReference): Promise<Uint8Array> {
    return this.fetchPublicKey(await this.findPublicKeyRef(privateKeyRef));
  }

  async describe(privateKeyRef: KeyReference): Promise<KeyDescription> {
    const { attributes } = await this.client.getAttributes({ uniqueIdentifier: privateKeyRef });
    return this.toDescription(privateKeyRef, attributes);
  }

  async list(): Promise<KeyDescription[]> {
    const refs = await this.locateOwnKeys();
    const descriptions: (KeyDescription | undefined)[] = new Array<KeyDescription | undefined>(refs.length);
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < refs.length; index = next++) {
        try {
          descriptions[index] = await this.describe(refs[index] as KeyReference);
        } catch (error) {
          if (!(error instanceof KmsNotFound)) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DESCRIBE_CONCURRENCY, refs.length) }, worker));
    return descriptions.filter((entry): entry is KeyDescription => entry !== undefined);
  }

  async health(): Promise<KeyStoreHealth> {
    try {
      return { isHealthy: true, ...(await this.probe()) };
    } catch (error) {
      return {
        isHealthy: false,
        detail: `${this.backend}: ${isKmsError(error) ? error.message : String(error)}`,
      };
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }

  protected async fetchPublicKey(publicKeyRef: KeyReference): Promise<Uint8Array> {
    const format = this.publicKeyFormat;
    const answer = await this.client.getPublicKey(publicKeyRef, format === undefined ? {} : { keyFormatType: format });
    return answer.spki;
  }

  /** A destroyed key, or one that is not ours, is as good as absent for this key store. */
  protected toDescription(privateKeyRef: KeyReference, attributes: ParsedAttributes): KeyDescription {
    const state = keyStateOf(attributes.state);
    const label = labelOf(this.namespace, attributes.names);
    if (state === undefined || state === 'destroyed' || label === undefined || attributes.objectType === 'PublicKey') {
      throw this.notFound(privateKeyRef, 'GetAttributes');
    }
    const algorithm = keyAlgorithmOf(attributes);
    if (algorithm !== undefined) this.algorithms.set(privateKeyRef, algorithm);
    const linked = linkedPublicKeyRef(attributes);
    if (linked !== undefined) this.publicKeyRefs.set(privateKeyRef, linked);
    return {
      privateKeyRef,
      publicKeyRef: linked ?? this.publicKeyRefs.get(privateKeyRef),
      label,
      algorithm,
      state,
      isExportable: this.isExportable(attributes),
      createdAt: attributes.initialDate,
      // As the server keeps them; a server that keeps none says nothing.
      protection: {
        isSensitive: attributes.sensitive,
        isNeverExtractable: attributes.neverExtractable,
        isExtractable: attributes.extractable,
      },
    };
  }

  /**
   * The public key of a pair: the PublicKeyLink when the server keeps links (Cosmian,
   * Thales), else what `unlinkedPublicKeyRef` finds (PyKMIP keeps no links).
   */
  protected async findPublicKeyRef(privateKeyRef: KeyReference, known?: ParsedAttributes): Promise<KeyReference> {
    const cached = this.publicKeyRefs.get(privateKeyRef);
    if (cached !== undefined) return cached;
    const attributes = known ?? (await this.client.getAttributes({ uniqueIdentifier: privateKeyRef })).attributes;
    if (keyStateOf(attributes.state) === 'destroyed') throw this.notFound(privateKeyRef, 'Get');
    const publicKeyRef = linkedPublicKeyRef(attributes) ?? (await this.unlinkedPublicKeyRef(attributes));
    if (publicKeyRef === undefined) throw this.notFound(privateKeyRef, 'Get', 'its public key cannot be found');
    this.publicKeyRefs.set(privateKeyRef, publicKeyRef);
    return publicKeyRef;
  }

  /** Where a server keeps no PublicKeyLink: the driver's own way to find the public key. */
  protected unlinkedPublicKeyRef(_attributes: ParsedAttributes): Promise<KeyReference | undefined> {
    return Promise.resolve(undefined);
  }

  protected notFound(ref: KeyReference, operation: string, why = 'it does not exist or was destroyed'): KmsNotFound {
    return new KmsNotFound(`${this.backend}: key ${ref} not found: ${why}`, { operation });
  }
}

function linkedPublicKeyRef(attributes: ParsedAttributes): KeyReference | undefined {
  return attributes.links?.find((link) => link.linkType === 'PublicKeyLink')?.linkedObjectIdentifier;
}

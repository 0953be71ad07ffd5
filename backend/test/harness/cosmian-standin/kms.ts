/**
 * The object store and KMIP operations of the Cosmian stand-in, each following the Cosmian
 * server code cited beside it (Cosmian/kms tags 5.8.0 … 5.26.0,
 * `crate/server/src/core/operations/*.rs`), as the configured version does
 * (server-versions.ts). Keys and signatures are real (node:crypto). Sign is in sign.ts,
 * Activate/Revoke/Destroy in lifecycle.ts, the error variants in errors.ts.
 */
import { generateKeyPair, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

import { fail } from './errors.js';
import {
  allChildren,
  boolean,
  bytes,
  child,
  dateTime,
  enumeration,
  integer,
  JsonTtlvError,
  readBoolean,
  readDate,
  readEnum,
  readInteger,
  readText,
  structure,
  text,
} from './json-ttlv.js';
import type { JsonTtlv } from './json-ttlv.js';
import { mergeAttributes, readUserTags } from './attributes.js';
import { activate, destroy, requireUid, revoke } from './lifecycle.js';
import { allTags } from './managed-key.js';
import type { ManagedKey, ObjectStore, State } from './managed-key.js';
import { LOCATE_CAP, SINCE, isAtLeast, tagVendorOf } from './server-versions.js';
import type { StandInServer } from './server-versions.js';
import { discoverVersions, query } from './server-queries.js';
import { signOperation } from './sign.js';

const generateKeyPairAsync = promisify(generateKeyPair);

const CURVES: Record<string, { nodeName: string; bits: number }> = {
  P256: { nodeName: 'P-256', bits: 256 },
  P384: { nodeName: 'P-384', bits: 384 },
};
export interface StandInKmsOptions {
  /** The server being played, read at each request (tests change it on the fly). */
  server: () => StandInServer;
}

export class StandInKms implements ObjectStore {
  readonly objects = new Map<string, ManagedKey>();

  constructor(private readonly options: StandInKmsOptions) {}

  /** Runs one operation; `tag` is the request's root tag (bare) or the BatchItem's Operation. */
  async execute(operation: string, payload: JsonTtlv): Promise<JsonTtlv> {
    const server = this.options.server();
    try {
      switch (operation) {
        case 'DiscoverVersions':
          return discoverVersions(payload);
        case 'Query':
          return query(server, payload);
        case 'CreateKeyPair':
          return await this.createKeyPair(server, payload);
        case 'Activate':
          return activate(this, payload);
        case 'Get':
          return this.get(server, payload);
        case 'GetAttributes':
          return this.getAttributes(server, payload);
        case 'Locate':
          return this.locate(server, payload);
        case 'Sign':
          return signOperation(server, payload, this.objects.get(readText(child(payload, 'UniqueIdentifier')) ?? ''));
        case 'Revoke':
          return revoke(this, payload);
        case 'Destroy':
          return destroy(this, payload);
        default:
          // Real servers do these; the stand-in does not, and says so instead of pretending.
          return fail({ kind: 'notSupported', message: `the Cosmian stand-in does not implement ${operation}` });
      }
    } catch (error) {
      if (error instanceof JsonTtlvError) fail({ kind: 'kmip21', reason: 'Codec_Error', message: error.message });
      throw error;
    }
  }

  /**
   * `operations/create_key_pair.rs`: the algorithm from the common attributes (else the
   * private, else the public ones), but the RSA size and the EC curve from the common ones
   * only (l.256-259, l.398-403: a size elsewhere is "RSA key size: error", a curve elsewhere
   * gives the default P-256), and the tags from the common ones; other private and public
   * attributes win over common ones. State is Active only with an ActivationDate ≤ now
   * (PreActive otherwise); the public key's UID is the private key's plus `_pk`.
   */
  private async createKeyPair(server: StandInServer, payload: JsonTtlv): Promise<JsonTtlv> {
    const common = child(payload, 'CommonAttributes');
    const commonOnly = mergeAttributes(common, undefined);
    const privateSide = mergeAttributes(common, child(payload, 'PrivateKeyAttributes'));
    const publicSide = mergeAttributes(common, child(payload, 'PublicKeyAttributes'));
    const algorithm =
      readEnum(commonOnly.get('CryptographicAlgorithm')?.[0]) ??
      readEnum(privateSide.get('CryptographicAlgorithm')?.[0]) ??
      readEnum(publicSide.get('CryptographicAlgorithm')?.[0]);
    const now = new Date();

    let keyPair: { privateKey: KeyObject; publicKey: KeyObject };
    let length: number;
    let curve: string | undefined;
    if (algorithm === 'RSA') {
      const size = readInteger(commonOnly.get('CryptographicLength')?.[0]);
      if (size === undefined) return fail({ kind: 'invalidRequest', message: 'RSA key size: error' });
      if (![2048, 3072, 4096].includes(size)) fail({ kind: 'notSupported', message: `RSA key length ${size}` });
      length = size;
      keyPair = await generateKeyPairAsync('rsa', { modulusLength: length });
    } else if (algorithm === 'EC' || algorithm === 'ECDSA' || algorithm === 'ECDH') {
      const domain = commonOnly.get('CryptographicDomainParameters')?.[0];
      curve = readEnum(domain === undefined ? undefined : child(domain, 'RecommendedCurve')) ?? 'P256';
      const known = CURVES[curve];
      if (known === undefined) return fail({ kind: 'notSupported', message: `the stand-in has no curve ${curve}` });
      length = known.bits;
      keyPair = await generateKeyPairAsync('ec', { namedCurve: known.nodeName });
    } else if (algorithm === undefined) {
      return fail({
        kind: 'invalidRequest',
        message: 'the cryptographic algorithm must be specified for key pair creation',
      });
    } else {
      return fail({ kind: 'notSupported', message: `the stand-in does not create ${algorithm} key pairs` });
    }

    const privateUid = readText(privateSide.get('UniqueIdentifier')?.[0]) ?? randomUUID();
    const publicUid = `${privateUid}_pk`;
    if (this.objects.has(privateUid)) {
      // Cosmian's DB error "already exists" is mapped to 422 (routes/mod.rs), shown as a Database Error.
      fail({ kind: 'invalidRequest', message: `Database Error: one or more objects already exist: ${privateUid}` });
    }
    const tags = (commonOnly.get('Attribute') ?? []).flatMap((attribute) => readUserTags(server, attribute));
    const describe = (
      side: Map<string, JsonTtlv[]>,
      objectType: ManagedKey['objectType'],
      uid: string,
      key: KeyObject,
    ): ManagedKey => {
      const activationDate = readDate(side.get('ActivationDate')?.[0]);
      return {
        uid,
        objectType,
        key,
        cryptographicAlgorithm: algorithm,
        cryptographicLength: length,
        curve,
        usageMask: readInteger(side.get('CryptographicUsageMask')?.[0]) ?? 0,
        state: activationDate !== undefined && activationDate.getTime() <= now.getTime() ? 'Active' : 'PreActive',
        activationDate,
        initialDate: now,
        lastChangeDate: now,
        names: (side.get('Name') ?? []).map((name) => readText(child(name, 'NameValue')) ?? ''),
        tags,
        linkType: objectType === 'PrivateKey' ? 'PublicKeyLink' : 'PrivateKeyLink',
        linkedUid: objectType === 'PrivateKey' ? publicUid : privateUid,
        isSensitive: readBoolean(side.get('Sensitive')?.[0]) ?? false,
        revocationReasonCode: undefined,
      };
    };
    this.objects.set(privateUid, describe(privateSide, 'PrivateKey', privateUid, keyPair.privateKey));
    this.objects.set(publicUid, describe(publicSide, 'PublicKey', publicUid, keyPair.publicKey));
    return structure('CreateKeyPairResponse', [
      text('PrivateKeyUniqueIdentifier', privateUid),
      text('PublicKeyUniqueIdentifier', publicUid),
    ]);
  }

  /**
   * `export_get.rs`: Sensitive first; since 5.13 only Deactivated (and Destroyed) keys are
   * refused, so a Compromised key is still returned (`retrieve_object_utils.rs` l.47-84);
   * 5.8–5.12 answer Object_Not_Found for every revoked key.
   */
  private get(server: StandInServer, payload: JsonTtlv): JsonTtlv {
    const uid = requireUid(payload);
    const object = this.retrieve(uid);
    const isRevoked = object.state === 'Deactivated' || object.state === 'Compromised';
    if (isRevoked && !isAtLeast(server, SINCE.getOfRevokedByState)) {
      fail({ kind: 'kmip21', reason: 'Object_Not_Found', message: `object not found for identifier ${uid}` });
    }
    if (object.isSensitive) fail({ kind: 'kmip21', reason: 'Sensitive', message: 'DENIED' });
    if (object.state === 'Deactivated')
      fail({ kind: 'kmip21', reason: 'Wrong_Key_Lifecycle_State', message: 'DENIED' });
    if (object.state === 'Destroyed' || object.state === 'Destroyed_Compromised') {
      fail({ kind: 'kmip21', reason: 'Object_Destroyed', message: 'DENIED' });
    }
    const isRsa = object.cryptographicAlgorithm === 'RSA';
    // Defaults (export_get.rs): RSA → PKCS1, EC → Transparent EC, which the stand-in does not build.
    const format = readEnum(child(payload, 'KeyFormatType')) ?? (isRsa ? 'PKCS1' : 'TransparentECPrivateKey');
    let material: Buffer;
    if (format === 'PKCS8') {
      material = object.key.export(
        object.objectType === 'PrivateKey' ? { type: 'pkcs8', format: 'der' } : { type: 'spki', format: 'der' },
      );
    } else if (format === 'PKCS1' && isRsa) {
      material = object.key.export({ type: 'pkcs1', format: 'der' });
    } else {
      return fail({ kind: 'notSupported', message: `the stand-in does not export ${object.objectType} as ${format}` });
    }
    return structure('GetResponse', [
      enumeration('ObjectType', object.objectType),
      text('UniqueIdentifier', uid),
      structure(object.objectType, [
        structure('KeyBlock', [
          enumeration('KeyFormatType', format),
          structure('KeyValue', [bytes('KeyMaterial', material)]),
          enumeration('CryptographicAlgorithm', object.cryptographicAlgorithm),
          integer('CryptographicLength', object.cryptographicLength),
        ]),
      ]),
    ]);
  }

  /**
   * `attributes/get.rs`: every stored attribute, but the vendor tag attribute only when a
   * reference `{VendorIdentification, AttributeName: "tag"}` asks for it; Destroyed objects
   * still answer (state only).
   */
  private getAttributes(server: StandInServer, payload: JsonTtlv): JsonTtlv {
    const uid = requireUid(payload);
    const object = this.retrieve(uid);
    const references = allChildren(payload, 'AttributeReference');
    const named = new Set(references.map((node) => (typeof node.value === 'string' ? node.value : '')));
    const asksForTags = references.some(
      (node) => Array.isArray(node.value) && readText(child(node, 'AttributeName')) === 'tag',
    );
    const attributes: JsonTtlv[] = [
      enumeration('CryptographicAlgorithm', object.cryptographicAlgorithm),
      integer('CryptographicLength', object.cryptographicLength),
      integer('CryptographicUsageMask', object.usageMask),
      // Storage format (COSMIAN.md §3 key formats): PKCS#8 for private keys, SPKI labelled PKCS8 for public ones.
      enumeration('KeyFormatType', 'PKCS8'),
      enumeration('ObjectType', object.objectType),
      enumeration('State', object.state),
      dateTime('InitialDate', object.initialDate),
      dateTime('LastChangeDate', object.lastChangeDate),
      boolean('Sensitive', object.isSensitive),
    ];
    if (object.curve !== undefined) {
      attributes.push(structure('CryptographicDomainParameters', [enumeration('RecommendedCurve', object.curve)]));
    }
    if (object.activationDate !== undefined) attributes.push(dateTime('ActivationDate', object.activationDate));
    for (const name of object.names) {
      attributes.push(structure('Name', [text('NameValue', name), enumeration('NameType', 'UninterpretedTextString')]));
    }
    attributes.push(
      structure('Link', [enumeration('LinkType', object.linkType), text('LinkedObjectIdentifier', object.linkedUid)]),
    );
    const selected = references.length === 0 ? attributes : attributes.filter((node) => named.has(node.tag));
    if (asksForTags) {
      selected.push(
        structure('Attribute', [
          text('VendorIdentification', tagVendorOf(server)),
          text('AttributeName', 'tag'),
          text('AttributeValue', JSON.stringify(allTags(object))),
        ]),
      );
    }
    return structure('GetAttributesResponse', [text('UniqueIdentifier', uid), structure('Attributes', selected)]);
  }

  /**
   * `operations/locate.rs`: AND of ObjectType, Name, tags, algorithm, State; no destroyed
   * objects. OffsetItems is read by no version. MaximumItems truncates; since 5.21 at most
   * 1000 identifiers come back whatever it says, and LocatedItems is the truncated count.
   * A vendor attribute of another vendor than the server's is not a tag: it matches nothing.
   */
  private locate(server: StandInServer, payload: JsonTtlv): JsonTtlv {
    const attributes = child(payload, 'Attributes');
    if (attributes === undefined) {
      fail({ kind: 'kmip21', reason: 'Codec_Error', message: 'Locate: missing field `Attributes`' });
    }
    const filters = mergeAttributes(attributes, undefined);
    const objectType = readEnum(filters.get('ObjectType')?.[0]);
    const names = (filters.get('Name') ?? []).map((name) => readText(child(name, 'NameValue')));
    const vendorAttributes = filters.get('Attribute') ?? [];
    const isForeignVendor = vendorAttributes.some(
      (attribute) => readText(child(attribute, 'VendorIdentification')) !== tagVendorOf(server),
    );
    const tags = vendorAttributes.flatMap((attribute) => readUserTags(server, attribute));
    const algorithm = readEnum(filters.get('CryptographicAlgorithm')?.[0]);
    const state = readEnum(filters.get('State')?.[0]) as State | undefined;
    const found = isForeignVendor
      ? []
      : [...this.objects.values()].filter(
          (object) =>
            object.state !== 'Destroyed' &&
            object.state !== 'Destroyed_Compromised' &&
            (objectType === undefined || object.objectType === objectType) &&
            names.every((name) => name !== undefined && object.names.includes(name)) &&
            tags.every((tag) => allTags(object).includes(tag)) &&
            (algorithm === undefined || object.cryptographicAlgorithm === algorithm) &&
            (state === undefined || object.state === state),
        );
    const requested = readInteger(child(payload, 'MaximumItems'));
    const cap = isAtLeast(server, SINCE.locateCap) ? LOCATE_CAP : Number.POSITIVE_INFINITY;
    const page = found.slice(0, Math.min(requested ?? cap, cap));
    return structure('LocateResponse', [
      integer('LocatedItems', page.length),
      ...page.map((object) => text('UniqueIdentifier', object.uid)),
    ]);
  }

  /** `retrieve_object_utils.rs`: Get, GetAttributes and Activate see objects in every state. */
  retrieve(uid: string): ManagedKey {
    const object = this.objects.get(uid);
    if (object === undefined) {
      return fail({ kind: 'kmip21', reason: 'Object_Not_Found', message: `object not found for identifier ${uid}` });
    }
    return object;
  }

  /** For tests: what the server holds, without key material. */
  snapshot(
    uid: string,
  ):
    | { state: State; names: string[]; tags: string[]; isSensitive: boolean; revocationReasonCode: string | undefined }
    | undefined {
    const object = this.objects.get(uid);
    if (object === undefined) return undefined;
    return {
      state: object.state,
      names: [...object.names],
      tags: [...object.tags],
      isSensitive: object.isSensitive,
      revocationReasonCode: object.revocationReasonCode,
    };
  }
}

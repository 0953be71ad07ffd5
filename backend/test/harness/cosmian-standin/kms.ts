/**
 * The object store and KMIP operations of the Cosmian stand-in, one function per operation,
 * each following the Cosmian 5.26 server code cited beside it (Cosmian/kms @ 7d07cae2ad18,
 * `crate/server/src/core/operations/*.rs`). Keys and signatures are real (node:crypto).
 *
 * Errors are the server's own `KmsError` variants, because the same variant is shown two
 * ways: as a 422/500 text body for a bare operation, and as a failed BatchItem in a
 * RequestMessage (`routes/mod.rs` and `operations/message.rs`, see `StandInError`).
 */
import { constants as cryptoConstants, generateKeyPair, randomUUID, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

import { signEcdsaDigest } from './ecdsa-prehash.js';
import {
  allChildren,
  boolean,
  bytes,
  child,
  childrenOf,
  dateTime,
  enumeration,
  integer,
  JsonTtlvError,
  readBoolean,
  readBytes,
  readDate,
  readEnum,
  readInteger,
  readText,
  structure,
  text,
} from './json-ttlv.js';
import type { JsonTtlv } from './json-ttlv.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** `crate/server/src/error.rs` variants the stand-in can raise, with their Display prefix. */
export type StandInError =
  | { kind: 'kmip21'; reason: string; message: string }
  | { kind: 'itemNotFound'; message: string }
  | { kind: 'invalidRequest'; message: string }
  | { kind: 'notSupported'; message: string }
  | { kind: 'server'; message: string };

export class StandInFailure extends Error {
  constructor(readonly error: StandInError) {
    super(displayError(error));
  }
}

/** `KmsError`'s Display (thiserror attributes in error.rs). */
export function displayError(error: StandInError): string {
  switch (error.kind) {
    case 'kmip21':
      return `${error.reason}: ${error.message}`;
    case 'itemNotFound':
      return `Item not found: ${error.message}`;
    case 'invalidRequest':
      return `Invalid Request: ${error.message}`;
    case 'notSupported':
      return `Not Supported: ${error.message}`;
    case 'server':
      return `Unexpected server error: ${error.message}`;
  }
}

/** `routes/mod.rs` status_code(): KMIP-level errors are 422, server errors 500 (unless "not supported"). */
export function httpStatusOf(error: StandInError): number {
  if (error.kind === 'server') return /not supported/i.test(error.message) ? 422 : 500;
  return 422;
}

/** `operations/message.rs`: the ResultReason and ResultMessage of a failed BatchItem. */
export function batchFailureOf(error: StandInError): {
  reason: string;
  message: string;
} {
  switch (error.kind) {
    case 'kmip21':
      return { reason: error.reason, message: error.message };
    case 'itemNotFound':
      return { reason: 'Item_Not_Found', message: error.message };
    case 'invalidRequest':
    case 'notSupported':
    case 'server':
      // "anything else → Operation_Not_Supported", the message holding the real cause.
      return {
        reason: 'Operation_Not_Supported',
        message: displayError(error),
      };
  }
}

const fail = (error: StandInError): never => {
  throw new StandInFailure(error);
};

type State = 'PreActive' | 'Active' | 'Deactivated' | 'Compromised' | 'Destroyed' | 'Destroyed_Compromised';

interface ManagedKey {
  uid: string;
  objectType: 'PrivateKey' | 'PublicKey';
  key: KeyObject;
  cryptographicAlgorithm: string;
  cryptographicLength: number;
  curve: string | undefined;
  usageMask: number;
  state: State;
  activationDate: Date | undefined;
  initialDate: Date;
  lastChangeDate: Date;
  names: string[];
  tags: string[];
  linkType: 'PublicKeyLink' | 'PrivateKeyLink';
  linkedUid: string;
  isSensitive: boolean;
  revocationReasonCode: string | undefined;
}

const SIGN_MASK = 0x1;
const UNRESTRICTED_MASK = 0x200000;
const CURVES: Record<string, { nodeName: string; bits: number }> = {
  P256: { nodeName: 'P-256', bits: 256 },
  P384: { nodeName: 'P-384', bits: 384 },
};
const HASH_BY_NAME: Record<string, string> = {
  SHA256: 'sha256',
  SHA384: 'sha384',
  SHA512: 'sha512',
};
const HASH_BY_DIGEST_LENGTH: Record<number, string> = {
  32: 'sha256',
  48: 'sha384',
  64: 'sha512',
};
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

export interface StandInKmsOptions {
  /** Answered in Query's ServerInformation, like `GET /version`. */
  version: () => string;
}

export class StandInKms {
  private readonly objects = new Map<string, ManagedKey>();

  constructor(private readonly options: StandInKmsOptions) {}

  /** Runs one operation; `tag` is the request's root tag (bare) or the BatchItem's Operation. */
  async execute(operation: string, payload: JsonTtlv): Promise<JsonTtlv> {
    try {
      switch (operation) {
        case 'DiscoverVersions':
          return this.discoverVersions();
        case 'Query':
          return this.query(payload);
        case 'CreateKeyPair':
          return await this.createKeyPair(payload);
        case 'Activate':
          return this.activate(payload);
        case 'Get':
          return this.get(payload);
        case 'GetAttributes':
          return this.getAttributes(payload);
        case 'Locate':
          return this.locate(payload);
        case 'Sign':
          return this.sign(payload);
        case 'Revoke':
          return this.revoke(payload);
        case 'Destroy':
          return this.destroy(payload);
        default:
          // Real servers do these; the stand-in does not, and says so instead of pretending.
          return fail({
            kind: 'notSupported',
            message: `the Cosmian stand-in does not implement ${operation}`,
          });
      }
    } catch (error) {
      if (error instanceof JsonTtlvError) fail({ kind: 'kmip21', reason: 'Codec_Error', message: error.message });
      throw error;
    }
  }

  private discoverVersions(): JsonTtlv {
    const versions: [number, number][] = [
      [2, 1],
      [2, 0],
      [1, 4],
      [1, 3],
      [1, 2],
      [1, 1],
      [1, 0],
    ];
    return structure(
      'DiscoverVersionsResponse',
      versions.map(([major, minor]) =>
        structure('ProtocolVersion', [integer('ProtocolVersionMajor', major), integer('ProtocolVersionMinor', minor)]),
      ),
    );
  }

  /** `operations/query.rs`: operations list and server information; other functions add nothing. */
  private query(payload: JsonTtlv): JsonTtlv {
    const functions = allChildren(payload, 'QueryFunction').map((node) => readEnum(node));
    const answer: JsonTtlv[] = [];
    if (functions.includes('QueryOperations')) {
      for (const name of [
        'CreateKeyPair',
        'Get',
        'GetAttributes',
        'Locate',
        'Activate',
        'Revoke',
        'Destroy',
        'Sign',
        'Query',
        'DiscoverVersions',
      ]) {
        answer.push(enumeration('Operation', name));
      }
    }
    if (functions.includes('QueryServerInformation')) {
      answer.push(text('VendorIdentification', 'cosmian'));
      answer.push(
        structure('ServerInformation', [
          text('ServerName', 'Cosmian KMS'),
          text('ServerVersion', this.options.version().split(' ')[0] ?? ''),
        ]),
      );
    }
    return structure('QueryResponse', answer);
  }

  /**
   * `operations/create_key_pair.rs` + `kmip_objects.rs setup_lifecycle`: private and public
   * attributes win over common ones; State is Active only with an ActivationDate ≤ now
   * (PreActive otherwise); the public key's UID is the private key's plus `_pk`; the two
   * carry PublicKeyLink / PrivateKeyLink.
   */
  private async createKeyPair(payload: JsonTtlv): Promise<JsonTtlv> {
    const common = child(payload, 'CommonAttributes');
    const privateSide = mergeAttributes(common, child(payload, 'PrivateKeyAttributes'));
    const publicSide = mergeAttributes(common, child(payload, 'PublicKeyAttributes'));
    const algorithm = readEnum(privateSide.get('CryptographicAlgorithm')?.[0]);
    const now = new Date();

    let keyPair: { privateKey: KeyObject; publicKey: KeyObject };
    let length: number;
    let curve: string | undefined;
    if (algorithm === 'RSA') {
      length = readInteger(privateSide.get('CryptographicLength')?.[0]) ?? 0;
      if (![2048, 3072, 4096].includes(length)) fail({ kind: 'notSupported', message: `RSA key length ${length}` });
      keyPair = await generateKeyPairAsync('rsa', { modulusLength: length });
    } else if (algorithm === 'EC' || algorithm === 'ECDSA' || algorithm === 'ECDH') {
      const domain = privateSide.get('CryptographicDomainParameters')?.[0];
      curve = readEnum(domain === undefined ? undefined : child(domain, 'RecommendedCurve')) ?? 'P256';
      const known = CURVES[curve];
      if (known === undefined)
        return fail({
          kind: 'notSupported',
          message: `the stand-in has no curve ${curve}`,
        });
      length = known.bits;
      keyPair = await generateKeyPairAsync('ec', {
        namedCurve: known.nodeName,
      });
    } else {
      return fail({
        kind: 'notSupported',
        message: `the stand-in does not create ${String(algorithm)} key pairs`,
      });
    }

    const privateUid = readText(privateSide.get('UniqueIdentifier')?.[0]) ?? randomUUID();
    const publicUid = `${privateUid}_pk`;
    if (this.objects.has(privateUid)) {
      // Cosmian's DB error "already exists" is mapped to 422 (routes/mod.rs), shown as a Database Error.
      fail({
        kind: 'invalidRequest',
        message: `Database Error: one or more objects already exist: ${privateUid}`,
      });
    }
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
        tags: (side.get('Attribute') ?? []).flatMap(readCosmianTags),
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

  /** `operations/activate.rs`: PreActive → Active; anything else is a lifecycle error. */
  private activate(payload: JsonTtlv): JsonTtlv {
    const uid = requireUid(payload);
    const object = this.retrieveForOperation(uid);
    if (object.state !== 'PreActive') {
      fail({
        kind: 'kmip21',
        reason: 'Wrong_Key_Lifecycle_State',
        message: `Object ${uid} cannot be activated: state is ${object.state}`,
      });
    }
    object.state = 'Active';
    object.activationDate = new Date();
    object.lastChangeDate = new Date();
    return structure('ActivateResponse', [text('UniqueIdentifier', uid)]);
  }

  /** `export_get.rs`: Sensitive first, then Deactivated and Destroyed are DENIED. */
  private get(payload: JsonTtlv): JsonTtlv {
    const uid = requireUid(payload);
    const object = this.retrieveForOperation(uid);
    if (object.isSensitive) fail({ kind: 'kmip21', reason: 'Sensitive', message: 'DENIED' });
    if (object.state === 'Deactivated')
      fail({
        kind: 'kmip21',
        reason: 'Wrong_Key_Lifecycle_State',
        message: 'DENIED',
      });
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
      return fail({
        kind: 'notSupported',
        message: `the stand-in does not export ${object.objectType} as ${format}`,
      });
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

  /** `attributes/get.rs`: every stored attribute; Destroyed objects still answer (state only). */
  private getAttributes(payload: JsonTtlv): JsonTtlv {
    const uid = requireUid(payload);
    const object = this.retrieveForOperation(uid);
    const references = new Set(
      allChildren(payload, 'AttributeReference').map((node) => (typeof node.value === 'string' ? node.value : '')),
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
    const systemTag = object.objectType === 'PrivateKey' ? '_sk' : '_pk';
    attributes.push(
      structure('Attribute', [
        text('VendorIdentification', 'cosmian'),
        text('AttributeName', 'tag'),
        text('AttributeValue', JSON.stringify([...object.tags, systemTag])),
      ]),
    );
    const selected = references.size === 0 ? attributes : attributes.filter((node) => references.has(node.tag));
    return structure('GetAttributesResponse', [text('UniqueIdentifier', uid), structure('Attributes', selected)]);
  }

  /** `operations/locate.rs`: AND of ObjectType, Name, Cosmian tags, algorithm, State; no destroyed objects. */
  private locate(payload: JsonTtlv): JsonTtlv {
    const attributes = child(payload, 'Attributes');
    if (attributes === undefined)
      fail({
        kind: 'kmip21',
        reason: 'Codec_Error',
        message: 'Locate: missing field `Attributes`',
      });
    const filters = mergeAttributes(attributes, undefined);
    const objectType = readEnum(filters.get('ObjectType')?.[0]);
    const names = (filters.get('Name') ?? []).map((name) => readText(child(name, 'NameValue')));
    const tags = (filters.get('Attribute') ?? []).flatMap(readCosmianTags);
    const algorithm = readEnum(filters.get('CryptographicAlgorithm')?.[0]);
    const state = readEnum(filters.get('State')?.[0]);
    const found = [...this.objects.values()].filter(
      (object) =>
        object.state !== 'Destroyed' &&
        object.state !== 'Destroyed_Compromised' &&
        (objectType === undefined || object.objectType === objectType) &&
        names.every((name) => name !== undefined && object.names.includes(name)) &&
        tags.every((tag) => [...object.tags, object.objectType === 'PrivateKey' ? '_sk' : '_pk'].includes(tag)) &&
        (algorithm === undefined || object.cryptographicAlgorithm === algorithm) &&
        (state === undefined || object.state === state),
    );
    const offset = readInteger(child(payload, 'OffsetItems')) ?? 0;
    const maximum = readInteger(child(payload, 'MaximumItems')) ?? found.length;
    const page = found.slice(offset, offset + maximum);
    return structure('LocateResponse', [
      integer('LocatedItems', found.length),
      ...page.map((object) => text('UniqueIdentifier', object.uid)),
    ]);
  }

  /**
   * `operations/sign.rs` + `key_ops/crypto_op.rs` select_unique_key: only Active private keys
   * with the Sign bit (or Unrestricted); a live key in another state → Permission_Denied;
   * nothing eligible → Item_Not_Found. RSA: `RSASSAPSS` → PSS (salt = digest length), any
   * other DSA → PKCS#1 v1.5; HashingAlgorithm wins over the DSA's hash; no parameters → PSS
   * SHA-256. ECDSA: the DSA's hash; DigestedData is signed as given.
   */
  private sign(payload: JsonTtlv): JsonTtlv {
    const uid = readText(child(payload, 'UniqueIdentifier'));
    if (uid === undefined)
      return fail({
        kind: 'invalidRequest',
        message: 'This KMIP server does not yet support place holder id',
      });
    const data = readBytes(child(payload, 'Data'));
    const digested = readBytes(child(payload, 'DigestedData'));
    if (data !== undefined && digested !== undefined) {
      fail({
        kind: 'invalidRequest',
        message: "Sign request must not set both 'data' and 'digested_data' simultaneously",
      });
    }
    if (
      readBoolean(child(payload, 'InitIndicator')) === true &&
      readBoolean(child(payload, 'FinalIndicator')) === true
    ) {
      // A generic server error on the bare endpoint: 500 "Internal server error" (COSMIAN.md §4 Sign).
      fail({
        kind: 'server',
        message: 'Invalid request: init_indicator and final_indicator cannot both be true',
      });
    }
    const object = this.objects.get(uid);
    const isLive = object !== undefined && object.state !== 'Destroyed' && object.state !== 'Destroyed_Compromised';
    if (object !== undefined && isLive && object.state !== 'Active') {
      fail({
        kind: 'kmip21',
        reason: 'Permission_Denied',
        message: `Sign: key ${uid} is in state ${object.state} but operation requires one of [Active]`,
      });
    }
    const isEligible =
      object !== undefined &&
      isLive &&
      object.objectType === 'PrivateKey' &&
      (object.usageMask & (SIGN_MASK | UNRESTRICTED_MASK)) !== 0;
    if (!isEligible || object === undefined) {
      return fail({
        kind: 'kmip21',
        reason: 'Item_Not_Found',
        message: `Sign: no valid key for id: ${uid}`,
      });
    }

    const parameters = child(payload, 'CryptographicParameters');
    const dsa = readEnum(parameters === undefined ? undefined : child(parameters, 'DigitalSignatureAlgorithm'));
    const hashName = readEnum(parameters === undefined ? undefined : child(parameters, 'HashingAlgorithm'));
    const saltLength = readInteger(parameters === undefined ? undefined : child(parameters, 'SaltLength'));
    const message = data ?? Buffer.alloc(0);
    let signature: Buffer;
    if (object.cryptographicAlgorithm === 'RSA') {
      const effectiveDsa = dsa ?? 'RSASSAPSS';
      const hash = (hashName !== undefined ? HASH_BY_NAME[hashName] : RSA_HASH_BY_DSA[effectiveDsa]) ?? 'sha256';
      if (digested !== undefined) {
        // Real servers sign a pre-digest here (5.14.1+); the stand-in does not reproduce it.
        return fail({
          kind: 'notSupported',
          message: 'the Cosmian stand-in does not sign RSA DigestedData',
        });
      }
      if (hashName === undefined && RSA_HASH_BY_DSA[effectiveDsa] === undefined) {
        fail({
          kind: 'notSupported',
          message: `rsa sign error: sign_rsa_with_pkey: not supported: ${effectiveDsa}`,
        });
      }
      const isPss = effectiveDsa === 'RSASSAPSS';
      signature = sign(hash, message, {
        key: object.key,
        padding: isPss ? cryptoConstants.RSA_PKCS1_PSS_PADDING : cryptoConstants.RSA_PKCS1_PADDING,
        ...(isPss ? { saltLength: saltLength ?? cryptoConstants.RSA_PSS_SALTLEN_DIGEST } : {}),
      });
    } else {
      const hash = ECDSA_HASH_BY_DSA[dsa ?? 'ECDSAWithSHA256'];
      if (hash === undefined)
        return fail({
          kind: 'notSupported',
          message: `ecdsa_sign: not supported: ${String(dsa)}`,
        });
      if (digested !== undefined) {
        if (HASH_BY_DIGEST_LENGTH[digested.length] === undefined)
          fail({ kind: 'server', message: 'ecdsa_sign: bad digest' });
        signature = signEcdsaDigest(object.key, digested);
      } else {
        signature = sign(hash, message, {
          key: object.key,
          dsaEncoding: 'der',
        });
      }
    }
    return structure('SignResponse', [text('UniqueIdentifier', uid), bytes('SignatureData', signature)]);
  }

  /**
   * `operations/revoke.rs`: Active/PreActive → Compromised (KeyCompromise, CACompromise) or
   * Deactivated; Deactivated + non-compromise and Destroyed are no-op successes; an already
   * Compromised object is skipped, so alone it answers Item_Not_Found. Cascade follows the link.
   */
  private revoke(payload: JsonTtlv): JsonTtlv {
    const uid = requireUid(payload);
    const reason = child(payload, 'RevocationReason');
    if (reason === undefined)
      fail({
        kind: 'kmip21',
        reason: 'Codec_Error',
        message: 'Revoke: missing field `RevocationReason`',
      });
    const code = readEnum(reason === undefined ? undefined : child(reason, 'RevocationReasonCode')) ?? 'Unspecified';
    const isCascade = readBoolean(child(payload, 'Cascade')) ?? false;
    const isCompromise = code === 'KeyCompromise' || code === 'CACompromise';
    const visited = new Set<string>();
    const revokeOne = (target: string): number => {
      const object = this.objects.get(target);
      if (object === undefined || visited.has(target)) return 0;
      visited.add(target);
      switch (object.state) {
        case 'Destroyed':
        case 'Destroyed_Compromised':
          return 1;
        case 'Compromised':
          return 0;
        case 'Deactivated':
          if (!isCompromise) return 1;
          break;
        case 'Active':
        case 'PreActive':
          break;
      }
      if (isCascade) revokeOne(object.linkedUid);
      object.state = isCompromise ? 'Compromised' : 'Deactivated';
      object.revocationReasonCode = code;
      object.lastChangeDate = new Date();
      return 1;
    };
    if (revokeOne(uid) === 0) fail({ kind: 'kmip21', reason: 'Item_Not_Found', message: uid });
    return structure('RevokeResponse', [text('UniqueIdentifier', uid)]);
  }

  /**
   * `operations/destroy.rs`: an Active object with an ActivationDate is refused
   * (`Wrong_Key_Lifecycle_State: DENIED`); destroyed objects are skipped, so destroying
   * twice answers Item_Not_Found; Cascade destroys the linked key; key material is dropped.
   */
  private destroy(payload: JsonTtlv): JsonTtlv {
    const uid = requireUid(payload);
    const isCascade = readBoolean(child(payload, 'Cascade')) ?? false;
    const visited = new Set<string>();
    const destroyOne = (target: string, isLinked: boolean): number => {
      const object = this.objects.get(target);
      if (object === undefined || visited.has(target)) return 0;
      visited.add(target);
      if (object.state === 'Destroyed' || object.state === 'Destroyed_Compromised') return 0;
      if (object.state === 'Active' && object.activationDate !== undefined) {
        // A public key's cascade into an active private key is tolerated (logged) by the server.
        if (isLinked && object.objectType === 'PrivateKey') return 0;
        return fail({
          kind: 'kmip21',
          reason: 'Wrong_Key_Lifecycle_State',
          message: 'DENIED',
        });
      }
      if (isCascade) destroyOne(object.linkedUid, true);
      object.state = object.state === 'Compromised' ? 'Destroyed_Compromised' : 'Destroyed';
      object.lastChangeDate = new Date();
      return 1;
    };
    if (destroyOne(uid, false) === 0) fail({ kind: 'kmip21', reason: 'Item_Not_Found', message: uid });
    return structure('DestroyResponse', [text('UniqueIdentifier', uid)]);
  }

  /**
   * `retrieve_object_utils.rs`: Get, GetAttributes and Activate (the only callers) see objects
   * in every state, so the one failure is an unknown UID: Object_Not_Found.
   */
  private retrieveForOperation(uid: string): ManagedKey {
    const object = this.objects.get(uid);
    if (object === undefined) {
      return fail({
        kind: 'kmip21',
        reason: 'Object_Not_Found',
        message: `object not found for identifier ${uid}`,
      });
    }
    return object;
  }

  /** For tests: what the server holds, without key material. */
  snapshot(uid: string):
    | {
        state: State;
        names: string[];
        tags: string[];
        isSensitive: boolean;
        revocationReasonCode: string | undefined;
      }
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

function requireUid(payload: JsonTtlv): string {
  const uid = readText(child(payload, 'UniqueIdentifier'));
  return (
    uid ??
    fail({
      kind: 'invalidRequest',
      message: 'This KMIP server does not yet support place holder id',
    })
  );
}

/** Attributes by tag, the `specific` side overriding `common` tag by tag. */
function mergeAttributes(common: JsonTtlv | undefined, specific: JsonTtlv | undefined): Map<string, JsonTtlv[]> {
  const merged = new Map<string, JsonTtlv[]>();
  for (const source of [common, specific]) {
    if (source === undefined) continue;
    const bySide = new Map<string, JsonTtlv[]>();
    for (const node of childrenOf(source)) bySide.set(node.tag, [...(bySide.get(node.tag) ?? []), node]);
    for (const [tag, nodes] of bySide) merged.set(tag, nodes);
  }
  return merged;
}

/** A Cosmian tag vendor attribute holds a JSON array of strings in a TextString. */
function readCosmianTags(attribute: JsonTtlv): string[] {
  if (
    readText(child(attribute, 'VendorIdentification')) !== 'cosmian' ||
    readText(child(attribute, 'AttributeName')) !== 'tag'
  )
    return [];
  const raw = readText(child(attribute, 'AttributeValue'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw ?? '');
  } catch {
    throw new JsonTtlvError('tag: AttributeValue must be a JSON array of strings');
  }
  if (
    !Array.isArray(parsed) ||
    !parsed.every((tag): tag is string => typeof tag === 'string' && tag.length > 0 && !tag.startsWith('_'))
  ) {
    // User tags must be non-empty and must not start with "_" (tagging.rs).
    return fail({
      kind: 'invalidRequest',
      message: 'tags must be non-empty strings that do not start with _',
    });
  }
  return parsed;
}

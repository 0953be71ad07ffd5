/**
 * Managed objects as they travel in Get and Register (KMIP 2.1 §2): the object node is
 * tagged with its type (`PublicKey`, `PrivateKey`, `SymmetricKey`, `Certificate`,
 * `SecretData`) and, for keys, holds a KeyBlock.
 */
import { KmsProtocolError } from '../errors.js';
import type { TtlvNode, TtlvStructure } from '../ttlv/types.js';
import {
  asStructure,
  byteString,
  enumeration,
  findChild,
  integer,
  isStructure,
  readBytes,
  readEnum,
  readInteger,
  requireBytes,
  requireEnum,
  structure,
} from './tree.js';

export type KeyObjectType = 'PublicKey' | 'PrivateKey' | 'SymmetricKey' | 'SecretData';

export interface KeyBlock {
  /** KeyFormatType name: "PKCS1", "PKCS8", "Raw", "TransparentRSAPublicKey", ... */
  keyFormatType: string;
  /** The key bytes for byte formats (Raw, PKCS1, PKCS8, X509, ECPrivateKey). */
  keyMaterial: Uint8Array | undefined;
  /** The KeyMaterial structure for transparent formats (Modulus, PublicExponent, QString, ...). */
  transparentKey: TtlvStructure | undefined;
  cryptographicAlgorithm: string | undefined;
  cryptographicLength: number | undefined;
}

export type ManagedObject =
  | { objectType: KeyObjectType; keyBlock: KeyBlock }
  | { objectType: 'Certificate'; certificateType: string; certificateValue: Uint8Array };

export interface KeyObjectInput {
  objectType: KeyObjectType;
  keyFormatType: string;
  keyMaterial: Uint8Array;
  cryptographicAlgorithm?: string;
  cryptographicLength?: number;
}
export interface CertificateObjectInput {
  objectType: 'Certificate';
  /** Default X509. */
  certificateType?: string;
  certificateValue: Uint8Array;
}
export type ManagedObjectInput = KeyObjectInput | CertificateObjectInput;

export function managedObjectNode(input: ManagedObjectInput): TtlvStructure {
  if (input.objectType === 'Certificate') {
    return structure('Certificate', [
      enumeration('CertificateType', input.certificateType ?? 'X509'),
      byteString('CertificateValue', input.certificateValue),
    ]);
  }
  const keyBlock: TtlvNode[] = [
    enumeration('KeyFormatType', input.keyFormatType),
    structure('KeyValue', [byteString('KeyMaterial', input.keyMaterial)]),
  ];
  if (input.cryptographicAlgorithm !== undefined) {
    keyBlock.push(enumeration('CryptographicAlgorithm', input.cryptographicAlgorithm));
  }
  if (input.cryptographicLength !== undefined) {
    keyBlock.push(integer('CryptographicLength', input.cryptographicLength));
  }
  return structure(input.objectType, [structure('KeyBlock', keyBlock)]);
}

const OBJECT_TAGS = ['PublicKey', 'PrivateKey', 'SymmetricKey', 'SecretData', 'Certificate'] as const;

/** Finds and reads the managed object of a Get (or Export) response payload. */
export function parseManagedObject(payload: TtlvStructure): ManagedObject {
  const node = payload.value.find((child) => (OBJECT_TAGS as readonly string[]).includes(child.tag));
  if (node === undefined) throw new KmsProtocolError(`${payload.tag} carries no managed object`);
  const object = asStructure(node, node.tag);
  if (object.tag === 'Certificate') {
    return {
      objectType: 'Certificate',
      certificateType: readEnum(object, 'CertificateType') ?? 'X509',
      certificateValue: requireBytes(object, 'CertificateValue'),
    };
  }
  const keyBlock = asStructure(findChild(object, 'KeyBlock') ?? missing(object.tag, 'KeyBlock'), 'KeyBlock');
  const keyValueNode = findChild(keyBlock, 'KeyValue');
  let keyMaterial: Uint8Array | undefined;
  let transparentKey: TtlvStructure | undefined;
  if (keyValueNode?.type === 'ByteString') {
    // A wrapped key, or a server that flattens KeyValue; either way the bytes are opaque here.
    keyMaterial = keyValueNode.value;
  } else if (isStructure(keyValueNode)) {
    const material = findChild(keyValueNode, 'KeyMaterial');
    if (material?.type === 'ByteString') keyMaterial = material.value;
    else if (isStructure(material)) transparentKey = material;
    else keyMaterial = readBytes(keyValueNode, 'KeyMaterial');
  }
  return {
    objectType: object.tag as KeyObjectType,
    keyBlock: {
      keyFormatType: requireEnum(keyBlock, 'KeyFormatType'),
      keyMaterial,
      transparentKey,
      cryptographicAlgorithm: readEnum(keyBlock, 'CryptographicAlgorithm'),
      cryptographicLength: readInteger(keyBlock, 'CryptographicLength'),
    },
  };
}

function missing(parent: string, tag: string): never {
  throw new KmsProtocolError(`${parent}: ${tag} is missing`);
}

/**
 * Object attributes, encoded per protocol version:
 * - KMIP 2.x: tagged items inside an `Attributes` structure (or CommonAttributes, ...):
 *   `{CryptographicAlgorithm RSA}`, `{Name {NameValue, NameType}}`, vendor attributes as
 *   `Attribute {VendorIdentification, AttributeName, AttributeValue}` (Cosmian 5.x form).
 * - KMIP 1.x: `Attribute {AttributeName "Cryptographic Algorithm", AttributeValue}` items,
 *   inside a TemplateAttribute for Create/CreateKeyPair/Register, bare in Locate.
 *
 * Items are written in the key order of the `Attributes` object the caller passes, so a
 * request can reproduce a given message exactly (Cosmian reads any order).
 *
 * Longer than our ~400-line guide on purpose: a table of every attribute we read or write,
 * in both the KMIP 1.x and 2.x encodings, which reads best in one place.
 */
import { KmsInvalidRequest, KmsProtocolError } from '../errors.js';
import { usesAttributesStructure, type ProtocolVersion } from '../messages.js';
import { enumNumber } from '../ttlv/enums.js';
import type { TtlvNode, TtlvStructure } from '../ttlv/types.js';
import {
  asStructure,
  boolean,
  dateTime,
  enumValueName,
  enumeration,
  integer,
  isStructure,
  readBoolean,
  readEnum,
  readInteger,
  readText,
  requireText,
  structure,
  textString,
} from './tree.js';

export interface Name {
  value: string;
  /** NameType; default UninterpretedTextString. */
  type?: 'UninterpretedTextString' | 'URI';
}

export interface Link {
  /** LinkType name, e.g. "PublicKeyLink". */
  linkType: string;
  linkedObjectIdentifier: string;
}

export interface VendorAttribute {
  vendorIdentification: string;
  attributeName: string;
  attributeValue: string | number | boolean | Uint8Array;
}

export interface CryptographicDomainParameters {
  qlength?: number;
  /** RecommendedCurve name, e.g. "P256". */
  recommendedCurve?: string;
}

/** KMIP 2.1 §4.31. Enumerations by their exact registry names ("SHA256", "PKCS1v15", "GCM"). */
export interface CryptographicParameters {
  blockCipherMode?: string;
  paddingMethod?: string;
  hashingAlgorithm?: string;
  keyRoleType?: string;
  digitalSignatureAlgorithm?: string;
  cryptographicAlgorithm?: string;
  randomIv?: boolean;
  ivLength?: number;
  tagLength?: number;
  maskGenerator?: string;
  maskGeneratorHashingAlgorithm?: string;
  saltLength?: number;
}

export interface Attributes {
  uniqueIdentifier?: string;
  objectType?: string;
  cryptographicAlgorithm?: string;
  cryptographicLength?: number;
  cryptographicDomainParameters?: CryptographicDomainParameters;
  cryptographicParameters?: CryptographicParameters;
  cryptographicUsageMask?: number;
  /** Cosmian reads it inside Attributes; KMIP 1.x has no such attribute. */
  keyFormatType?: string;
  names?: Name[];
  links?: Link[];
  state?: string;
  initialDate?: Date;
  activationDate?: Date;
  deactivationDate?: Date;
  lastChangeDate?: Date;
  originalCreationDate?: Date;
  sensitive?: boolean;
  extractable?: boolean;
  neverExtractable?: boolean;
  vendorAttributes?: VendorAttribute[];
}

type ScalarKind = 'Enumeration' | 'Integer' | 'TextString' | 'DateTime' | 'Boolean';

interface ScalarSpec {
  kind: ScalarKind;
  tag: string;
  /** The KMIP 1.x AttributeName, or undefined when 1.x has no such attribute. */
  v1Name: string | undefined;
}

const SCALARS = {
  uniqueIdentifier: { kind: 'TextString', tag: 'UniqueIdentifier', v1Name: 'Unique Identifier' },
  objectType: { kind: 'Enumeration', tag: 'ObjectType', v1Name: 'Object Type' },
  cryptographicAlgorithm: { kind: 'Enumeration', tag: 'CryptographicAlgorithm', v1Name: 'Cryptographic Algorithm' },
  cryptographicLength: { kind: 'Integer', tag: 'CryptographicLength', v1Name: 'Cryptographic Length' },
  cryptographicUsageMask: { kind: 'Integer', tag: 'CryptographicUsageMask', v1Name: 'Cryptographic Usage Mask' },
  keyFormatType: { kind: 'Enumeration', tag: 'KeyFormatType', v1Name: undefined },
  state: { kind: 'Enumeration', tag: 'State', v1Name: 'State' },
  initialDate: { kind: 'DateTime', tag: 'InitialDate', v1Name: 'Initial Date' },
  activationDate: { kind: 'DateTime', tag: 'ActivationDate', v1Name: 'Activation Date' },
  deactivationDate: { kind: 'DateTime', tag: 'DeactivationDate', v1Name: 'Deactivation Date' },
  lastChangeDate: { kind: 'DateTime', tag: 'LastChangeDate', v1Name: 'Last Change Date' },
  originalCreationDate: { kind: 'DateTime', tag: 'OriginalCreationDate', v1Name: 'Original Creation Date' },
  sensitive: { kind: 'Boolean', tag: 'Sensitive', v1Name: 'Sensitive' },
  extractable: { kind: 'Boolean', tag: 'Extractable', v1Name: 'Extractable' },
  neverExtractable: { kind: 'Boolean', tag: 'NeverExtractable', v1Name: 'Never Extractable' },
} as const satisfies Partial<Record<keyof Attributes, ScalarSpec>>;

type ScalarKey = keyof typeof SCALARS;

function scalarNode(spec: ScalarSpec, tag: string, value: unknown, isV1Value: boolean): TtlvNode {
  switch (spec.kind) {
    case 'Enumeration':
      // Inside a 1.x AttributeValue the tag does not name the enumeration, so send the number.
      return enumeration(tag, isV1Value ? enumNumber(spec.tag, value as string) : (value as string));
    case 'Integer':
      return integer(tag, value as number);
    case 'TextString':
      return textString(tag, value as string);
    case 'DateTime':
      return dateTime(tag, value as Date);
    case 'Boolean':
      return boolean(tag, value as boolean);
  }
}

export function nameNode(name: Name, tag = 'Name'): TtlvStructure {
  return structure(tag, [
    textString('NameValue', name.value),
    enumeration('NameType', name.type ?? 'UninterpretedTextString'),
  ]);
}

function linkNode(link: Link, tag = 'Link'): TtlvStructure {
  return structure(tag, [
    enumeration('LinkType', link.linkType),
    textString('LinkedObjectIdentifier', link.linkedObjectIdentifier),
  ]);
}

function domainParametersNode(parameters: CryptographicDomainParameters, tag: string): TtlvStructure {
  const children: TtlvNode[] = [];
  if (parameters.qlength !== undefined) children.push(integer('Qlength', parameters.qlength));
  if (parameters.recommendedCurve !== undefined) {
    children.push(enumeration('RecommendedCurve', parameters.recommendedCurve));
  }
  return structure(tag, children);
}

/**
 * CryptographicParameters fields in the order of KMIP 1.4 §3.6 / 2.1 §4.31. PyKMIP reads
 * this structure field by field in that order and rejects any other as Invalid_Message;
 * Cosmian reads by name, so spec order suits both.
 */
const CRYPTOGRAPHIC_PARAMETER_FIELDS: Readonly<
  Record<keyof CryptographicParameters, { tag: string; kind: 'Enumeration' | 'Integer' | 'Boolean' }>
> = {
  blockCipherMode: { tag: 'BlockCipherMode', kind: 'Enumeration' },
  paddingMethod: { tag: 'PaddingMethod', kind: 'Enumeration' },
  hashingAlgorithm: { tag: 'HashingAlgorithm', kind: 'Enumeration' },
  keyRoleType: { tag: 'KeyRoleType', kind: 'Enumeration' },
  digitalSignatureAlgorithm: { tag: 'DigitalSignatureAlgorithm', kind: 'Enumeration' },
  cryptographicAlgorithm: { tag: 'CryptographicAlgorithm', kind: 'Enumeration' },
  randomIv: { tag: 'RandomIV', kind: 'Boolean' },
  ivLength: { tag: 'IVLength', kind: 'Integer' },
  tagLength: { tag: 'TagLength', kind: 'Integer' },
  saltLength: { tag: 'SaltLength', kind: 'Integer' },
  maskGenerator: { tag: 'MaskGenerator', kind: 'Enumeration' },
  maskGeneratorHashingAlgorithm: { tag: 'MaskGeneratorHashingAlgorithm', kind: 'Enumeration' },
};

/** CryptographicParameters (Sign, Encrypt, ... and the attribute), fields in spec order. */
export function cryptographicParametersNode(parameters: CryptographicParameters): TtlvStructure {
  for (const key of Object.keys(parameters)) {
    if (!Object.hasOwn(CRYPTOGRAPHIC_PARAMETER_FIELDS, key)) {
      throw new KmsInvalidRequest(`unknown cryptographic parameter "${key}"`);
    }
  }
  const children: TtlvNode[] = [];
  for (const [key, field] of Object.entries(CRYPTOGRAPHIC_PARAMETER_FIELDS)) {
    const value = parameters[key as keyof CryptographicParameters];
    if (value === undefined) continue;
    if (field.kind === 'Enumeration') children.push(enumeration(field.tag, value as string));
    else if (field.kind === 'Integer') children.push(integer(field.tag, value as number));
    else children.push(boolean(field.tag, value as boolean));
  }
  return structure('CryptographicParameters', children);
}

function vendorAttributeNode(attribute: VendorAttribute): TtlvStructure {
  return structure('Attribute', [
    textString('VendorIdentification', attribute.vendorIdentification),
    textString('AttributeName', attribute.attributeName),
    vendorValueNode(attribute.attributeValue),
  ]);
}

function vendorValueNode(value: VendorAttribute['attributeValue']): TtlvNode {
  if (typeof value === 'string') return textString('AttributeValue', value);
  if (typeof value === 'number') return integer('AttributeValue', value);
  if (typeof value === 'boolean') return boolean('AttributeValue', value);
  return { tag: 'AttributeValue', type: 'ByteString', value };
}

function v1Attribute(name: string, value: TtlvNode): TtlvStructure {
  return structure('Attribute', [textString('AttributeName', name), value]);
}

/** The attribute items, in key order, as 2.x tagged items. */
function attributeItems2(attributes: Attributes): TtlvNode[] {
  const items: TtlvNode[] = [];
  for (const [key, value] of Object.entries(attributes) as [keyof Attributes, unknown][]) {
    if (value === undefined) continue;
    switch (key) {
      case 'names':
        for (const name of value as Name[]) items.push(nameNode(name));
        break;
      case 'links':
        for (const link of value as Link[]) items.push(linkNode(link));
        break;
      case 'vendorAttributes':
        for (const attribute of value as VendorAttribute[]) items.push(vendorAttributeNode(attribute));
        break;
      case 'cryptographicDomainParameters':
        items.push(domainParametersNode(value as CryptographicDomainParameters, 'CryptographicDomainParameters'));
        break;
      case 'cryptographicParameters':
        items.push(cryptographicParametersNode(value as CryptographicParameters));
        break;
      default: {
        const spec: ScalarSpec | undefined = SCALARS[key];
        if (spec === undefined) throw new KmsInvalidRequest(`unknown attribute "${String(key)}"`);
        items.push(scalarNode(spec, spec.tag, value, false));
      }
    }
  }
  return items;
}

/** The attribute items, in key order, as 1.x Attribute{AttributeName, AttributeValue}. */
function attributeItems1(attributes: Attributes): TtlvNode[] {
  const items: TtlvNode[] = [];
  for (const [key, value] of Object.entries(attributes) as [keyof Attributes, unknown][]) {
    if (value === undefined) continue;
    switch (key) {
      case 'names':
        for (const name of value as Name[]) items.push(v1Attribute('Name', nameNode(name, 'AttributeValue')));
        break;
      case 'links':
        for (const link of value as Link[]) items.push(v1Attribute('Link', linkNode(link, 'AttributeValue')));
        break;
      case 'vendorAttributes':
        // KMIP 1.x client-defined attributes are named "x-..." (KMIP 1.4 §3.1).
        for (const attribute of value as VendorAttribute[]) {
          items.push(v1Attribute(`x-${attribute.attributeName}`, vendorValueNode(attribute.attributeValue)));
        }
        break;
      case 'cryptographicDomainParameters':
        items.push(
          v1Attribute(
            'Cryptographic Domain Parameters',
            domainParametersNode(value as CryptographicDomainParameters, 'AttributeValue'),
          ),
        );
        break;
      case 'cryptographicParameters':
        items.push(
          v1Attribute('Cryptographic Parameters', {
            ...cryptographicParametersNode(value as CryptographicParameters),
            tag: 'AttributeValue',
          }),
        );
        break;
      default: {
        const spec: ScalarSpec | undefined = SCALARS[key];
        if (spec === undefined) throw new KmsInvalidRequest(`unknown attribute "${String(key)}"`);
        if (spec.v1Name === undefined) {
          throw new KmsInvalidRequest(`attribute ${spec.tag} does not exist in KMIP 1.x`);
        }
        items.push(v1Attribute(spec.v1Name, scalarNode(spec, 'AttributeValue', value, true)));
      }
    }
  }
  return items;
}

/**
 * The attributes of a Create/CreateKeyPair/Register request: `Attributes`-like structure
 * `tag2` (2.x) or a TemplateAttribute-like structure `tag1` (1.x).
 */
export function attributesNode(
  attributes: Attributes,
  version: ProtocolVersion,
  tags: { v2: string; v1: string },
): TtlvStructure {
  return usesAttributesStructure(version)
    ? structure(tags.v2, attributeItems2(attributes))
    : structure(tags.v1, attributeItems1(attributes));
}

/** Locate carries 2.x `Attributes {..}` but 1.x bare `Attribute` items in the payload. */
export function locateAttributeItems(attributes: Attributes, version: ProtocolVersion): TtlvNode[] {
  return usesAttributesStructure(version)
    ? [structure('Attributes', attributeItems2(attributes))]
    : attributeItems1(attributes);
}

export interface ParsedAttributes extends Attributes {
  /** Items this library does not model, as the server sent them. */
  other: TtlvNode[];
}

const SCALAR_OF_TAG = new Map<string, ScalarKey>(
  (Object.entries(SCALARS) as [ScalarKey, ScalarSpec][]).map(([key, spec]) => [spec.tag, key]),
);
const SCALAR_OF_V1_NAME = new Map<string, ScalarKey>(
  (Object.entries(SCALARS) as [ScalarKey, ScalarSpec][])
    .filter(([, spec]) => spec.v1Name !== undefined)
    .map(([key, spec]) => [spec.v1Name as string, key]),
);

function scalarValue(spec: ScalarSpec, node: TtlvNode): unknown {
  if (spec.kind === 'Enumeration') {
    if (node.type !== 'Enumeration') throw new KmsProtocolError(`${spec.tag} is not an Enumeration`);
    return String(enumValueName(node, spec.tag));
  }
  const expected = spec.kind;
  if (node.type !== expected) throw new KmsProtocolError(`${spec.tag} is a ${node.type}, expected ${expected}`);
  return node.value;
}

function parseName(node: TtlvNode): Name {
  const name = asStructure(node, 'Name');
  const type = readEnum(name, 'NameType');
  return {
    value: requireText(name, 'NameValue'),
    ...(type === 'UninterpretedTextString' || type === 'URI' ? { type } : {}),
  };
}

function parseLink(node: TtlvNode): Link {
  const link = asStructure(node, 'Link');
  const linkType = readEnum(link, 'LinkType');
  if (linkType === undefined) throw new KmsProtocolError('Link without LinkType');
  return { linkType, linkedObjectIdentifier: requireText(link, 'LinkedObjectIdentifier') };
}

function parseDomainParameters(node: TtlvNode): CryptographicDomainParameters {
  const parameters = asStructure(node, 'CryptographicDomainParameters');
  const qlength = readInteger(parameters, 'Qlength');
  const recommendedCurve = readEnum(parameters, 'RecommendedCurve');
  return {
    ...(qlength !== undefined ? { qlength } : {}),
    ...(recommendedCurve !== undefined ? { recommendedCurve } : {}),
  };
}

export function parseCryptographicParameters(node: TtlvNode): CryptographicParameters {
  const parameters = asStructure(node, 'CryptographicParameters');
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(CRYPTOGRAPHIC_PARAMETER_FIELDS)) {
    const value =
      field.kind === 'Enumeration'
        ? readEnum(parameters, field.tag)
        : field.kind === 'Integer'
          ? readInteger(parameters, field.tag)
          : readBoolean(parameters, field.tag);
    if (value !== undefined) result[key] = value;
  }
  return result;
}

function addParsed(result: ParsedAttributes, tag: string, node: TtlvNode): void {
  switch (tag) {
    case 'Name':
      (result.names ??= []).push(parseName(node));
      return;
    case 'Link':
      // Cosmian 4.x wrapped repeated links in an outer Link.
      if (isStructure(node) && node.value.every((child) => child.tag === 'Link')) {
        for (const child of node.value) (result.links ??= []).push(parseLink(child));
      } else {
        (result.links ??= []).push(parseLink(node));
      }
      return;
    case 'CryptographicDomainParameters':
      result.cryptographicDomainParameters = parseDomainParameters(node);
      return;
    case 'CryptographicParameters':
      result.cryptographicParameters = parseCryptographicParameters(node);
      return;
    default: {
      const key = SCALAR_OF_TAG.get(tag);
      if (key === undefined) {
        result.other.push(node);
        return;
      }
      (result as unknown as Record<string, unknown>)[key] = scalarValue(SCALARS[key], node);
    }
  }
}

function parseVendorValue(node: TtlvNode): VendorAttribute['attributeValue'] | undefined {
  if (node.type === 'TextString' || node.type === 'Integer' || node.type === 'Boolean' || node.type === 'ByteString') {
    return node.value;
  }
  return undefined;
}

/** Attribute{...}: a 2.x vendor attribute or a 1.x named attribute; both shapes are read. */
function addAttributeStructure(result: ParsedAttributes, node: TtlvNode): void {
  const attribute = asStructure(node, 'Attribute');
  const name = readText(attribute, 'AttributeName');
  const valueNode = attribute.value.find((child) => child.tag === 'AttributeValue');
  if (name === undefined || valueNode === undefined) {
    result.other.push(node);
    return;
  }
  const vendor = readText(attribute, 'VendorIdentification');
  if (vendor !== undefined) {
    const value = parseVendorValue(valueNode);
    if (value === undefined) result.other.push(node);
    else
      (result.vendorAttributes ??= []).push({
        vendorIdentification: vendor,
        attributeName: name,
        attributeValue: value,
      });
    return;
  }
  if (name === 'Name') return addParsed(result, 'Name', valueNode);
  if (name === 'Link') return addParsed(result, 'Link', valueNode);
  if (name === 'Cryptographic Domain Parameters') return addParsed(result, 'CryptographicDomainParameters', valueNode);
  if (name === 'Cryptographic Parameters') return addParsed(result, 'CryptographicParameters', valueNode);
  const key = SCALAR_OF_V1_NAME.get(name);
  if (key === undefined) {
    result.other.push(node);
    return;
  }
  const spec = SCALARS[key];
  (result as unknown as Record<string, unknown>)[key] = scalarValue(spec, { ...valueNode, tag: spec.tag });
}

/**
 * Reads attributes from a response payload: a 2.x `Attributes` structure and/or 1.x
 * `Attribute` items directly in the payload (PyKMIP answers in the request's version).
 */
export function parseAttributes(payload: TtlvStructure): ParsedAttributes {
  const result: ParsedAttributes = { other: [] };
  for (const child of payload.value) {
    if (child.tag === 'Attributes') {
      for (const item of asStructure(child, 'Attributes').value) {
        if (item.tag === 'Attribute') addAttributeStructure(result, item);
        else addParsed(result, item.tag, item);
      }
    } else if (child.tag === 'Attribute') {
      addAttributeStructure(result, child);
    }
  }
  return result;
}

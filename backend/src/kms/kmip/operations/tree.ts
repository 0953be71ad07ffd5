/**
 * Small constructors and readers for TTLV trees, so builders read like the message they
 * produce and parsers fail with a typed KmsProtocolError (never a TypeError) when a
 * server answers with an unexpected shape.
 */
import { KmsProtocolError } from '../errors.js';
import { enumName, enumNumber } from '../ttlv/enums.js';
import type { TtlvNode, TtlvStructure } from '../ttlv/types.js';

export const structure = (tag: string, value: TtlvNode[]): TtlvStructure => ({ tag, type: 'Structure', value });
export const textString = (tag: string, value: string): TtlvNode => ({ tag, type: 'TextString', value });
export const byteString = (tag: string, value: Uint8Array): TtlvNode => ({ tag, type: 'ByteString', value });
export const integer = (tag: string, value: number): TtlvNode => ({ tag, type: 'Integer', value });
export const longInteger = (tag: string, value: bigint): TtlvNode => ({ tag, type: 'LongInteger', value });
export const enumeration = (tag: string, value: string | number): TtlvNode => ({ tag, type: 'Enumeration', value });
export const boolean = (tag: string, value: boolean): TtlvNode => ({ tag, type: 'Boolean', value });
export const dateTime = (tag: string, value: Date): TtlvNode => ({ tag, type: 'DateTime', value });

/** Appends `node` only when the optional value it was built from is present. */
export function optional<T>(value: T | undefined, build: (value: T) => TtlvNode): TtlvNode[] {
  return value === undefined ? [] : [build(value)];
}

function describe(where: string, tag: string): string {
  return `${where}: ${tag}`;
}

export function isStructure(node: TtlvNode | undefined): node is TtlvStructure {
  return node !== undefined && node.type === 'Structure';
}

export function asStructure(node: TtlvNode, where: string): TtlvStructure {
  if (node.type !== 'Structure') {
    throw new KmsProtocolError(`${where}: expected a Structure ${node.tag}, got ${node.type}`);
  }
  return node;
}

export function findChild(parent: TtlvStructure, tag: string): TtlvNode | undefined {
  return parent.value.find((child) => child.tag === tag);
}

export function findChildren(parent: TtlvStructure, tag: string): TtlvNode[] {
  return parent.value.filter((child) => child.tag === tag);
}

export function requireChild(parent: TtlvStructure, tag: string): TtlvNode {
  const child = findChild(parent, tag);
  if (child === undefined) throw new KmsProtocolError(`${describe(parent.tag, tag)} is missing`);
  return child;
}

export function readText(parent: TtlvStructure, tag: string): string | undefined {
  const child = findChild(parent, tag);
  if (child === undefined) return undefined;
  if (child.type !== 'TextString') throw new KmsProtocolError(`${describe(parent.tag, tag)} is not a TextString`);
  return child.value;
}

export function requireText(parent: TtlvStructure, tag: string): string {
  const value = readText(parent, tag);
  if (value === undefined) throw new KmsProtocolError(`${describe(parent.tag, tag)} is missing`);
  return value;
}

export function readBytes(parent: TtlvStructure, tag: string): Uint8Array | undefined {
  const child = findChild(parent, tag);
  if (child === undefined) return undefined;
  if (child.type !== 'ByteString') throw new KmsProtocolError(`${describe(parent.tag, tag)} is not a ByteString`);
  return child.value;
}

export function requireBytes(parent: TtlvStructure, tag: string): Uint8Array {
  const value = readBytes(parent, tag);
  if (value === undefined) throw new KmsProtocolError(`${describe(parent.tag, tag)} is missing`);
  return value;
}

export function readInteger(parent: TtlvStructure, tag: string): number | undefined {
  const child = findChild(parent, tag);
  if (child === undefined) return undefined;
  if (child.type !== 'Integer' && child.type !== 'Interval') {
    throw new KmsProtocolError(`${describe(parent.tag, tag)} is not an Integer`);
  }
  return child.value;
}

export function requireInteger(parent: TtlvStructure, tag: string): number {
  const value = readInteger(parent, tag);
  if (value === undefined) throw new KmsProtocolError(`${describe(parent.tag, tag)} is missing`);
  return value;
}

export function readBoolean(parent: TtlvStructure, tag: string): boolean | undefined {
  const child = findChild(parent, tag);
  if (child === undefined) return undefined;
  if (child.type !== 'Boolean') throw new KmsProtocolError(`${describe(parent.tag, tag)} is not a Boolean`);
  return child.value;
}

export function readDate(parent: TtlvStructure, tag: string): Date | undefined {
  const child = findChild(parent, tag);
  if (child === undefined) return undefined;
  if (child.type !== 'DateTime') throw new KmsProtocolError(`${describe(parent.tag, tag)} is not a DateTime`);
  return child.value;
}

/**
 * The registered name of an Enumeration item, whether the codec gave a name or a number
 * (numbers without a name stay numbers, e.g. vendor extensions).
 */
export function enumValueName(node: TtlvNode, enumerationTag: string = node.tag): string | number {
  if (node.type !== 'Enumeration') throw new KmsProtocolError(`${node.tag} is not an Enumeration`);
  if (typeof node.value === 'number') return enumName(enumerationTag, node.value);
  // A name that belongs to the registry comes back unchanged; a hex form becomes a name.
  try {
    return enumName(enumerationTag, enumNumber(enumerationTag, node.value));
  } catch {
    return node.value;
  }
}

export function readEnum(parent: TtlvStructure, tag: string): string | undefined {
  const child = findChild(parent, tag);
  if (child === undefined) return undefined;
  return String(enumValueName(child));
}

export function requireEnum(parent: TtlvStructure, tag: string): string {
  const value = readEnum(parent, tag);
  if (value === undefined) throw new KmsProtocolError(`${describe(parent.tag, tag)} is missing`);
  return value;
}

/**
 * Just enough JSON TTLV for the Cosmian stand-in, written apart from our client's codec on
 * purpose: if both shared one implementation, a bug in it would pass every test.
 *
 * Reader rules follow Cosmian 5.x (COSMIAN.md §2): a node is `{tag, type?, value}`, a missing
 * `type` is a Structure, Integers are numbers or "0x" + 8/16 hex, Enumerations are names (or
 * numbers), ByteStrings are hex without "0x", DateTimes are ISO-8601 or "0x" + 16 hex of Unix
 * seconds. Writer rules follow what 5.x sends back: no `type` on Structures, upper-case hex,
 * RFC 3339 DateTimes in whole seconds.
 */

export interface JsonTtlv {
  tag: string;
  type?: string;
  value: unknown;
}

/** A request the server cannot read: Cosmian answers these as `Codec_Error` (TtlvError). */
export class JsonTtlvError extends Error {}

export function asNode(input: unknown, path = '$'): JsonTtlv {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new JsonTtlvError(`${path}: expected a TTLV object`);
  }
  const record = input as Record<string, unknown>;
  if (typeof record.tag !== 'string') throw new JsonTtlvError(`${path}: missing "tag"`);
  if (record.type !== undefined && typeof record.type !== 'string') throw new JsonTtlvError(`${path}: bad "type"`);
  const node: JsonTtlv = { tag: record.tag, value: record.value };
  if (typeof record.type === 'string') node.type = record.type;
  if ((node.type === undefined || node.type === 'Structure') && !Array.isArray(node.value)) {
    throw new JsonTtlvError(`${path}.${node.tag}: a Structure's value must be an array`);
  }
  return node;
}

export function childrenOf(node: JsonTtlv): JsonTtlv[] {
  if (!Array.isArray(node.value)) return [];
  return node.value.map((child, index) => asNode(child, `${node.tag}[${index}]`));
}

export function child(node: JsonTtlv, tag: string): JsonTtlv | undefined {
  return childrenOf(node).find((entry) => entry.tag === tag);
}

export function allChildren(node: JsonTtlv, tag: string): JsonTtlv[] {
  return childrenOf(node).filter((entry) => entry.tag === tag);
}

export function readText(node: JsonTtlv | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (typeof node.value !== 'string') throw new JsonTtlvError(`${node.tag}: expected a TextString`);
  return node.value;
}

export function readInteger(node: JsonTtlv | undefined): number | undefined {
  if (node === undefined) return undefined;
  const { value } = node;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^0x([0-9a-fA-F]{8}|[0-9a-fA-F]{16})$/.test(value))
    return Number.parseInt(value.slice(2), 16);
  throw new JsonTtlvError(`${node.tag}: expected an Integer`);
}

/** Enumerations come back as their name; numbers are kept as "0x…" so callers can refuse them. */
export function readEnum(node: JsonTtlv | undefined): string | undefined {
  if (node === undefined) return undefined;
  const { value } = node;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return `0x${value.toString(16).padStart(8, '0')}`;
  throw new JsonTtlvError(`${node.tag}: expected an Enumeration`);
}

export function readBoolean(node: JsonTtlv | undefined): boolean | undefined {
  if (node === undefined) return undefined;
  if (typeof node.value !== 'boolean') throw new JsonTtlvError(`${node.tag}: expected a Boolean`);
  return node.value;
}

export function readBytes(node: JsonTtlv | undefined): Buffer | undefined {
  if (node === undefined) return undefined;
  const { value } = node;
  if (typeof value !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(value))
    throw new JsonTtlvError(`${node.tag}: expected hex`);
  return Buffer.from(value, 'hex');
}

export function readDate(node: JsonTtlv | undefined): Date | undefined {
  if (node === undefined) return undefined;
  const { value } = node;
  if (typeof value === 'string' && /^0x[0-9a-fA-F]{16}$/.test(value))
    return new Date(Number.parseInt(value.slice(2), 16) * 1000);
  if (typeof value === 'string') {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new JsonTtlvError(`${node.tag}: expected a DateTime`);
}

export const structure = (tag: string, children: JsonTtlv[]): JsonTtlv => ({
  tag,
  value: children,
});
export const text = (tag: string, value: string): JsonTtlv => ({
  tag,
  type: 'TextString',
  value,
});
export const integer = (tag: string, value: number): JsonTtlv => ({
  tag,
  type: 'Integer',
  value,
});
export const enumeration = (tag: string, value: string): JsonTtlv => ({
  tag,
  type: 'Enumeration',
  value,
});
export const boolean = (tag: string, value: boolean): JsonTtlv => ({
  tag,
  type: 'Boolean',
  value,
});
export const bytes = (tag: string, value: Uint8Array): JsonTtlv => ({
  tag,
  type: 'ByteString',
  value: Buffer.from(value).toString('hex').toUpperCase(),
});
export const dateTime = (tag: string, value: Date): JsonTtlv => ({
  tag,
  type: 'DateTime',
  value: new Date(Math.floor(value.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
});

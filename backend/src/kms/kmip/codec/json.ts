/**
 * JSON TTLV codec as Cosmian KMS 5.x writes and reads it (crate/kmip/src/ttlv/serialize.rs
 * and deserialize.rs of Cosmian/kms 5.26).
 *
 * What we write is what the 5.x server writes: keys in the order tag, type, value; no
 * `type` on Structures; Integer and Interval as JSON numbers; LongInteger and
 * DateTimeExtended as "0x" + 16 upper-case hex digits; BigInteger as "0x" + upper-case hex
 * of the two's complement sign-extended to a multiple of 8 bytes; Enumeration by its exact
 * name (else "0x" + 8 hex digits); ByteString as upper-case hex without prefix; DateTime as
 * RFC 3339 UTC to the second ("2026-08-14T08:39:31Z").
 *
 * What we read is tolerant: a missing `type` means Structure, any key order, numbers or
 * "0x" hex strings for the integer types, hex in either case, ISO 8601 dates with an offset
 * or fractions, enumeration names we do not know kept as names, and the 4.x docs' mask
 * names ("Sign|Verify") for CryptographicUsageMask. Anything else throws KmipDecodeError
 * with the JSON path of the offending node. Depth is bounded.
 *
 * Tag names are KMIP's (the TTLV model's), except where Cosmian's serde names differ from
 * the spec's spelling: those are written as Cosmian spells them and read in either spelling
 * (`COSMIAN_JSON_TAG_NAMES`), since the server silently drops a field it does not know.
 *
 * Pure functions, no I/O.
 */
import { Buffer } from 'node:buffer';

import { KmipDecodeError } from '../errors.js';
import { KmipEncodeError } from '../ttlv/encode-error.js';
import { attributeEnumerationTag, enumName, enumNumber, hasEnumeration, parseUsageMask } from '../ttlv/enums.js';
import { canonicalTag } from '../ttlv/tags.js';
import { ITEM_TYPES, type ItemType, type TtlvNode } from '../ttlv/types.js';
import { bigIntegerBytes } from './binary.js';

export interface JsonTtlvNode {
  tag: string;
  type?: Exclude<ItemType, 'Structure'>;
  value: JsonTtlvNode[] | string | number | boolean;
}

export interface JsonDecodeLimits {
  /** Deepest nesting accepted (the root is depth 1). Default 32. */
  maxDepth?: number;
}

/**
 * KMIP tag name → Cosmian's JSON name, where the two differ: Cosmian derives JSON names from
 * its Rust field names (`random_iv` → `RandomIv`, Cosmian/kms 5.26
 * `crate/kmip/src/kmip_2_1/kmip_types.rs` CryptographicParameters).
 */
const COSMIAN_JSON_TAG_NAMES: ReadonlyMap<string, string> = new Map([
  ['RandomIV', 'RandomIv'],
  ['IVLength', 'IvLength'],
]);
const KMIP_TAG_OF_COSMIAN_NAME: ReadonlyMap<string, string> = new Map(
  [...COSMIAN_JSON_TAG_NAMES].map(([kmip, cosmian]) => [cosmian, kmip]),
);

const DEFAULT_MAX_DEPTH = 32;
const ENCODE_MAX_DEPTH = 64;
const I32_MIN = -0x8000_0000;
const I32_MAX = 0x7fff_ffff;
const U32_MAX = 0xffff_ffff;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const MAX_DATE_MS = 8.64e15;

// ---------------------------------------------------------------------------------------
// Encoder

/** The JSON value (for JSON.stringify) of a TTLV tree, exactly as Cosmian 5.x expects it. */
export function encodeJson(node: TtlvNode): JsonTtlvNode {
  return writeNode(node, 1, undefined);
}

function writeNode(node: TtlvNode, depth: number, enumTag: string | undefined): JsonTtlvNode {
  if (node === null || typeof node !== 'object') throw new KmipEncodeError('TTLV node is not an object');
  if (typeof node.tag !== 'string' || node.tag.length === 0) {
    throw new KmipEncodeError('TTLV tag is not a non-empty string');
  }
  const tag = COSMIAN_JSON_TAG_NAMES.get(node.tag) ?? node.tag;
  switch (node.type) {
    case 'Structure': {
      if (depth > ENCODE_MAX_DEPTH) throw new KmipEncodeError(`TTLV tree deeper than ${ENCODE_MAX_DEPTH}`, tag);
      if (!Array.isArray(node.value)) throw invalid(node, 'a Structure value must be an array of nodes');
      const children: JsonTtlvNode[] = [];
      let childEnumTag: string | undefined;
      for (const child of node.value) {
        try {
          children.push(writeNode(child, depth + 1, childEnumTag));
        } catch (error) {
          throw error instanceof KmipEncodeError ? error.within(tag) : error;
        }
        if (child.tag === 'AttributeName' && child.type === 'TextString') {
          childEnumTag = attributeEnumerationTag(child.value);
        }
      }
      return { tag, value: children };
    }
    case 'Integer': {
      const v = node.value;
      if (!Number.isInteger(v) || v < I32_MIN || v > I32_MAX) throw invalid(node, 'not a 32-bit signed integer');
      return { tag, type: 'Integer', value: v };
    }
    case 'Interval': {
      const v = node.value;
      if (!Number.isInteger(v) || v < 0 || v > U32_MAX) throw invalid(node, 'not a 32-bit unsigned integer');
      return { tag, type: 'Interval', value: v };
    }
    case 'LongInteger':
    case 'DateTimeExtended': {
      const v = toBigInt(node, node.value);
      if (v < I64_MIN || v > I64_MAX) throw invalid(node, 'does not fit in 64 signed bits');
      return { tag, type: node.type, value: '0x' + hex64(v) };
    }
    case 'BigInteger': {
      const v = toBigInt(node, node.value);
      return {
        tag,
        type: 'BigInteger',
        value: '0x' + upperHex(bigIntegerBytes(v)),
      };
    }
    case 'Enumeration': {
      const lookupTag = tag === 'AttributeValue' && enumTag !== undefined ? enumTag : tag;
      const v = node.value;
      // A Cosmian-only field may use an enumeration we have no table for: its names pass
      // through for the server to judge. Names of a known enumeration must be exact.
      if (typeof v === 'string' && !v.startsWith('0x') && !hasEnumeration(lookupTag) && v.length > 0) {
        return { tag, type: 'Enumeration', value: v };
      }
      let n: number;
      try {
        n = enumNumber(lookupTag, v);
      } catch (error) {
        throw error instanceof KmipEncodeError ? new KmipEncodeError(error.reason, tag) : error;
      }
      const name = enumName(lookupTag, n);
      return {
        tag,
        type: 'Enumeration',
        value: typeof name === 'string' ? name : '0x' + hex32(n),
      };
    }
    case 'Boolean':
      if (typeof node.value !== 'boolean') throw invalid(node, 'not a boolean');
      return { tag, type: 'Boolean', value: node.value };
    case 'TextString':
      if (typeof node.value !== 'string') throw invalid(node, 'not a string');
      return { tag, type: 'TextString', value: node.value };
    case 'ByteString':
      if (!(node.value instanceof Uint8Array)) throw invalid(node, 'not a Uint8Array');
      return { tag, type: 'ByteString', value: upperHex(node.value) };
    case 'DateTime': {
      const v = node.value;
      const ms = v instanceof Date ? v.getTime() : Number.NaN;
      if (Number.isNaN(ms)) throw invalid(node, 'not a valid Date');
      const seconds = new Date(Math.floor(ms / 1000) * 1000);
      const year = seconds.getUTCFullYear();
      if (year < 0 || year > 9999) throw invalid(node, 'has a year outside 0000-9999, which RFC 3339 cannot write');
      return { tag, type: 'DateTime', value: rfc3339(seconds) };
    }
    default: {
      const unknown: { type?: unknown } = node;
      throw new KmipEncodeError(`unknown TTLV item type ${String(unknown.type)}`, tag);
    }
  }
}

function invalid(node: { tag: string; type: ItemType }, reason: string): KmipEncodeError {
  return new KmipEncodeError(`${node.type} value ${reason}`, node.tag);
}

function toBigInt(node: TtlvNode, v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw invalid(node, 'not a bigint');
}

function upperHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

function hex64(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).toUpperCase().padStart(16, '0');
}

function hex32(n: number): string {
  return n.toString(16).toUpperCase().padStart(8, '0');
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function rfc3339(date: Date): string {
  return (
    String(date.getUTCFullYear()).padStart(4, '0') +
    '-' +
    pad2(date.getUTCMonth() + 1) +
    '-' +
    pad2(date.getUTCDate()) +
    'T' +
    pad2(date.getUTCHours()) +
    ':' +
    pad2(date.getUTCMinutes()) +
    ':' +
    pad2(date.getUTCSeconds()) +
    'Z'
  );
}

// ---------------------------------------------------------------------------------------
// Decoder

const ITEM_TYPE_SET: ReadonlySet<string> = new Set(ITEM_TYPES);
const HEX_8_OR_16 = /^0x(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{16})$/;
const HEX_8 = /^0x[0-9A-Fa-f]{8}$/;
const HEX_16 = /^0x[0-9A-Fa-f]{16}$/;
const HEX_BIG = /^0x(?:[0-9A-Fa-f]{2})*$/;
/** ISO 8601 / RFC 3339 date-time as Cosmian's reader takes it (`time`'s Iso8601::DEFAULT). */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,]\d{1,9})?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

/** Milliseconds of an ISO 8601 date-time, whole seconds (a fraction is dropped); NaN if invalid. */
function parseIsoDateTime(text: string): number {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCDate() !== day) return Number.NaN; // e.g. 2026-02-30
  let offsetMinutes = 0;
  if (m[7] !== undefined) {
    const offsetHours = Number(m[8]);
    const offsetMins = Number(m[9]);
    if (offsetHours > 23 || offsetMins > 59) return Number.NaN;
    offsetMinutes = (m[7] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  return date.getTime() - offsetMinutes * 60_000;
}

/**
 * A TTLV tree from Cosmian's JSON: the parsed value, or the JSON text itself.
 * @throws KmipDecodeError with the JSON path (e.g. `$.value[1].value[0]`) of the first bad node.
 */
export function decodeJson(json: unknown, limits: JsonDecodeLimits = {}): TtlvNode {
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json) as unknown;
    } catch (error) {
      throw new KmipDecodeError('JSON TTLV text is not valid JSON', '$', {
        cause: error,
      });
    }
  }
  return readNode({ maxDepth, indices: [] }, value, 1, undefined);
}

interface JsonReader {
  readonly maxDepth: number;
  /** indices[d] is the child index taken at depth d + 1: the path, built only on failure. */
  readonly indices: number[];
}

function fail(r: JsonReader, depth: number, reason: string): never {
  let path = '$';
  for (let d = 0; d < depth - 1; d++) path += `.value[${r.indices[d]}]`;
  throw new KmipDecodeError(`${reason} at ${path}`, path);
}

function readNode(r: JsonReader, json: unknown, depth: number, enumTag: string | undefined): TtlvNode {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    fail(r, depth, 'TTLV node is not a JSON object');
  const record = json as Record<string, unknown>;
  const rawTag = record.tag;
  if (typeof rawTag !== 'string' || rawTag.length === 0) fail(r, depth, 'TTLV node has no "tag" string');
  const tag = KMIP_TAG_OF_COSMIAN_NAME.get(rawTag) ?? canonicalTag(rawTag);
  const rawType = record.type ?? 'Structure';
  if (typeof rawType !== 'string' || !ITEM_TYPE_SET.has(rawType))
    fail(r, depth, `unknown TTLV type ${JSON.stringify(rawType)}`);
  const type = rawType as ItemType;
  if (!('value' in record)) fail(r, depth, `${tag} has no "value"`);
  const v = record.value;

  switch (type) {
    case 'Structure': {
      if (depth > r.maxDepth) fail(r, depth, `TTLV nesting deeper than ${r.maxDepth}`);
      if (!Array.isArray(v)) fail(r, depth, `${tag} is a Structure but its value is not an array`);
      const children: TtlvNode[] = [];
      let childEnumTag: string | undefined;
      for (let i = 0; i < v.length; i++) {
        r.indices[depth - 1] = i;
        const child = readNode(r, v[i], depth + 1, childEnumTag);
        if (child.tag === 'AttributeName' && child.type === 'TextString') {
          childEnumTag = attributeEnumerationTag(child.value);
        }
        children.push(child);
      }
      return { tag, type: 'Structure', value: children };
    }
    case 'Integer': {
      let n: number | undefined;
      if (typeof v === 'number') n = v;
      else if (typeof v === 'string' && HEX_8.test(v)) n = Number.parseInt(v.slice(2), 16) | 0;
      else if (typeof v === 'string' && HEX_16.test(v)) n = Number(BigInt.asIntN(64, BigInt(v)));
      else if (typeof v === 'string' && tag === 'CryptographicUsageMask') n = parseUsageMask(v);
      if (n === undefined || !Number.isInteger(n) || n < I32_MIN || n > I32_MAX) {
        fail(r, depth, `${tag} Integer value ${JSON.stringify(v)} is not a 32-bit signed integer`);
      }
      return { tag, type: 'Integer', value: n };
    }
    case 'Interval': {
      const n = typeof v === 'string' && HEX_8.test(v) ? Number.parseInt(v.slice(2), 16) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > U32_MAX) {
        fail(r, depth, `${tag} Interval value ${JSON.stringify(v)} is not a 32-bit unsigned integer`);
      }
      return { tag, type: 'Interval', value: n };
    }
    case 'LongInteger':
    case 'DateTimeExtended': {
      let n: bigint | undefined;
      if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
      else if (typeof v === 'string' && HEX_8_OR_16.test(v)) n = BigInt.asIntN(64, BigInt(v));
      if (n === undefined || n < I64_MIN || n > I64_MAX) {
        fail(r, depth, `${tag} ${type} value ${JSON.stringify(v)} is not a 64-bit integer`);
      }
      return { tag, type, value: n };
    }
    case 'BigInteger': {
      let n: bigint | undefined;
      if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
      else if (typeof v === 'string' && HEX_BIG.test(v)) {
        n = v.length === 2 ? 0n : BigInt.asIntN((v.length - 2) * 4, BigInt(v));
      }
      if (n === undefined) fail(r, depth, `${tag} BigInteger value is not "0x" followed by whole hex bytes`);
      return { tag, type: 'BigInteger', value: n };
    }
    case 'Enumeration': {
      const lookupTag = tag === 'AttributeValue' && enumTag !== undefined ? enumTag : tag;
      if (typeof v === 'string') {
        if (v.startsWith('0x')) {
          if (!HEX_8.test(v))
            fail(r, depth, `${tag} Enumeration value ${JSON.stringify(v)} is not "0x" + 8 hex digits`);
          return {
            tag,
            type: 'Enumeration',
            value: enumName(lookupTag, Number.parseInt(v.slice(2), 16)),
          };
        }
        if (v.length === 0) fail(r, depth, `${tag} Enumeration value is empty`);
        return { tag, type: 'Enumeration', value: v };
      }
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= U32_MAX) {
        return { tag, type: 'Enumeration', value: enumName(lookupTag, v) };
      }
      return fail(r, depth, `${tag} Enumeration value ${JSON.stringify(v)} is neither a name nor a 32-bit number`);
    }
    case 'Boolean':
      if (typeof v !== 'boolean') fail(r, depth, `${tag} Boolean value is not true or false`);
      return { tag, type: 'Boolean', value: v };
    case 'TextString':
      if (typeof v !== 'string') fail(r, depth, `${tag} TextString value is not a string`);
      return { tag, type: 'TextString', value: v };
    case 'ByteString': {
      // Buffer's hex decoder stops at the first non-hex pair: a short result means bad input.
      const decoded = typeof v === 'string' ? Buffer.from(v, 'hex') : undefined;
      if (decoded === undefined || decoded.length * 2 !== (v as string).length) {
        fail(r, depth, `${tag} ByteString value is not hex bytes`);
      }
      return { tag, type: 'ByteString', value: new Uint8Array(decoded) };
    }
    case 'DateTime': {
      let ms = Number.NaN;
      if (typeof v === 'string' && HEX_16.test(v)) ms = Number(BigInt.asIntN(64, BigInt(v))) * 1000;
      else if (typeof v === 'string') ms = parseIsoDateTime(v);
      if (Number.isNaN(ms) || Math.abs(ms) > MAX_DATE_MS) {
        fail(r, depth, `${tag} DateTime value ${JSON.stringify(v)} is not an ISO 8601 date-time`);
      }
      // KMIP DateTime has whole seconds; Cosmian normalizes the same way.
      return {
        tag,
        type: 'DateTime',
        value: new Date(Math.floor(ms / 1000) * 1000),
      };
    }
  }
}

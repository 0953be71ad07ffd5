/**
 * Binary TTLV codec (KMIP 2.1 §9.1; identical in KMIP 1.x): each item is a 3-byte tag,
 * a 1-byte type, a 4-byte big-endian length and the value, padded with zeros to a
 * multiple of 8 bytes. Integer, Enumeration and Interval are 4 bytes (+4 of padding);
 * LongInteger, DateTime (seconds), DateTimeExtended (microseconds) and Boolean (0 or 1)
 * are 8; BigInteger is big-endian two's complement, sign-extended to a multiple of 8.
 *
 * The decoder is strict and bounded: anything but a well-formed item (truncated, too
 * long, bad padding, wrong length for a fixed-size type, unknown type byte, invalid
 * UTF-8, trailing bytes, nesting deeper than `maxDepth`, input above `maxBytes`) throws
 * KmipDecodeError with the byte offset. Every length is checked against the bytes that
 * remain before anything is allocated, so no allocation exceeds the input.
 *
 * Pure functions, no I/O.
 *
 * Longer than our ~400-line guide on purpose: one encoder and one decoder for the eleven item
 * types, each a case of the same switch; split, the bounds checks would no longer sit together.
 */
import { Buffer } from 'node:buffer';

import { KmipDecodeError } from '../errors.js';
import { KmipEncodeError } from '../ttlv/encode-error.js';
import { attributeEnumerationTag, enumName, enumNumber } from '../ttlv/enums.js';
import { tagHex, tagName, tagNumber } from '../ttlv/tags.js';
import type { ItemType, TtlvNode } from '../ttlv/types.js';

export interface BinaryDecodeLimits {
  /** Largest message accepted, in bytes. Default 16 MiB. */
  maxBytes?: number;
  /** Deepest nesting of items accepted (the root is depth 1). Default 32. */
  maxDepth?: number;
}

export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 32;

const HEADER_BYTES = 8;
const STRUCTURE = 0x01;
const INTEGER = 0x02;
const LONG_INTEGER = 0x03;
const BIG_INTEGER = 0x04;
const ENUMERATION = 0x05;
const BOOLEAN = 0x06;
const TEXT_STRING = 0x07;
const BYTE_STRING = 0x08;
const DATE_TIME = 0x09;
const INTERVAL = 0x0a;
const DATE_TIME_EXTENDED = 0x0b;

/** Standard tags are 0x42xxxx and extensions 0x54xxxx (KMIP 2.1 §9.1.1.1); nothing else is a tag. */
function isTagRange(firstByte: number): boolean {
  return firstByte === 0x42 || firstByte === 0x54;
}

/** Seconds a JavaScript Date can hold (±8.64e15 ms). */
const MAX_DATE_SECONDS = 8_640_000_000_000;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// ---------------------------------------------------------------------------------------
// Framing

/**
 * Total length of the TTLV message that starts with `header` (its first 8 bytes): the
 * transport reads exactly that many bytes. A KMIP message is a Structure, so anything
 * else, a length that is not a multiple of 8, or a total above `maxBytes` is refused
 * before the transport buffers it.
 */
export function binaryFrameLength(header: Uint8Array, limits: Pick<BinaryDecodeLimits, 'maxBytes'> = {}): number {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  if (header.length < HEADER_BYTES) {
    throw new KmipDecodeError(`TTLV header needs 8 bytes, got ${header.length}`, 0);
  }
  if (!isTagRange(header[0] ?? 0)) throw new KmipDecodeError('TTLV message does not start with a KMIP tag', 0);
  if (header[3] !== STRUCTURE) throw new KmipDecodeError('TTLV message is not a Structure', 3);
  const length = (header[4] ?? 0) * 0x1000000 + ((header[5] ?? 0) << 16) + ((header[6] ?? 0) << 8) + (header[7] ?? 0);
  if (length % 8 !== 0) throw new KmipDecodeError(`Structure length ${length} is not a multiple of 8`, 4);
  const total = HEADER_BYTES + length;
  if (total > maxBytes)
    throw new KmipDecodeError(`TTLV message of ${total} bytes exceeds the ${maxBytes}-byte limit`, 4);
  return total;
}

// ---------------------------------------------------------------------------------------
// Decoder

class Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly text: Buffer;
  readonly maxDepth: number;
  pos = 0;

  constructor(bytes: Uint8Array, maxDepth: number) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.maxDepth = maxDepth;
  }
}

/** Decode one complete TTLV item (normally a RequestMessage or ResponseMessage). */
export function decodeBinary(bytes: Uint8Array, limits: BinaryDecodeLimits = {}): TtlvNode {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!(bytes instanceof Uint8Array)) throw new KmipDecodeError('TTLV input is not a byte array', 0);
  if (bytes.length > maxBytes) {
    throw new KmipDecodeError(`TTLV input of ${bytes.length} bytes exceeds the ${maxBytes}-byte limit`, 0);
  }
  const reader = new Reader(bytes, maxDepth);
  const node = readItem(reader, bytes.length, 1, undefined);
  if (reader.pos !== bytes.length) {
    throw new KmipDecodeError(`${bytes.length - reader.pos} trailing bytes after the TTLV item`, reader.pos);
  }
  return node;
}

/**
 * Reads the item at `r.pos`, which must end by `limit` (the end of its parent), and
 * leaves `r.pos` after its padding. `enumTag` is the tag whose enumeration an
 * AttributeValue uses (from the sibling AttributeName, KMIP 1.x attributes).
 */
function readItem(r: Reader, limit: number, depth: number, enumTag: string | undefined): TtlvNode {
  const b = r.bytes;
  const start = r.pos;
  if (limit - start < HEADER_BYTES) {
    throw new KmipDecodeError(`truncated TTLV header: ${limit - start} of 8 bytes`, start);
  }
  const first = b[start] as number;
  if (!isTagRange(first))
    throw new KmipDecodeError(`0x${first.toString(16).padStart(2, '0')} is not a KMIP tag prefix`, start);
  const tagValue = (first << 16) | ((b[start + 1] as number) << 8) | (b[start + 2] as number);
  const type = b[start + 3] as number;
  const length = r.view.getUint32(start + 4);
  const valueStart = start + HEADER_BYTES;
  const room = limit - valueStart;
  if (length > room) {
    throw new KmipDecodeError(`item length ${length} exceeds the ${room} bytes left`, start + 4);
  }
  const tag = tagName(tagValue);

  switch (type) {
    case STRUCTURE: {
      if (depth > r.maxDepth) throw new KmipDecodeError(`TTLV nesting deeper than ${r.maxDepth}`, start);
      const end = valueStart + length;
      const children: TtlvNode[] = [];
      let childEnumTag: string | undefined;
      r.pos = valueStart;
      while (r.pos < end) {
        const child = readItem(r, end, depth + 1, childEnumTag);
        if (child.tag === 'AttributeName' && child.type === 'TextString') {
          childEnumTag = attributeEnumerationTag(child.value);
        }
        children.push(child);
      }
      return { tag, type: 'Structure', value: children };
    }
    case INTEGER:
      fixedLength(length, 4, start);
      zeroPadding(r, valueStart + 4, 4);
      r.pos = valueStart + 8;
      return { tag, type: 'Integer', value: r.view.getInt32(valueStart) };
    case ENUMERATION: {
      fixedLength(length, 4, start);
      zeroPadding(r, valueStart + 4, 4);
      r.pos = valueStart + 8;
      const n = r.view.getUint32(valueStart);
      const lookupTag = tag === 'AttributeValue' && enumTag !== undefined ? enumTag : tag;
      return { tag, type: 'Enumeration', value: enumName(lookupTag, n) };
    }
    case INTERVAL:
      fixedLength(length, 4, start);
      zeroPadding(r, valueStart + 4, 4);
      r.pos = valueStart + 8;
      return { tag, type: 'Interval', value: r.view.getUint32(valueStart) };
    case LONG_INTEGER:
      fixedLength(length, 8, start);
      r.pos = valueStart + 8;
      return {
        tag,
        type: 'LongInteger',
        value: r.view.getBigInt64(valueStart),
      };
    case DATE_TIME_EXTENDED:
      fixedLength(length, 8, start);
      r.pos = valueStart + 8;
      return {
        tag,
        type: 'DateTimeExtended',
        value: r.view.getBigInt64(valueStart),
      };
    case DATE_TIME: {
      fixedLength(length, 8, start);
      const seconds = Number(r.view.getBigInt64(valueStart));
      if (seconds > MAX_DATE_SECONDS || seconds < -MAX_DATE_SECONDS) {
        throw new KmipDecodeError(`DateTime ${seconds} s is outside the representable range`, valueStart);
      }
      r.pos = valueStart + 8;
      return { tag, type: 'DateTime', value: new Date(seconds * 1000) };
    }
    case BOOLEAN: {
      fixedLength(length, 8, start);
      const high = r.view.getUint32(valueStart);
      const low = r.view.getUint32(valueStart + 4);
      if (high !== 0 || low > 1) throw new KmipDecodeError('Boolean value is neither 0 nor 1', valueStart);
      r.pos = valueStart + 8;
      return { tag, type: 'Boolean', value: low === 1 };
    }
    case BIG_INTEGER: {
      if (length === 0 || length % 8 !== 0) {
        throw new KmipDecodeError(`BigInteger length ${length} is not a positive multiple of 8`, start + 4);
      }
      r.pos = valueStart + length;
      return {
        tag,
        type: 'BigInteger',
        value: readBigInteger(r, valueStart, length),
      };
    }
    case TEXT_STRING: {
      const padded = paddedEnd(valueStart, length, limit, start);
      const end = valueStart + length;
      zeroPadding(r, end, padded - end);
      r.pos = padded;
      return { tag, type: 'TextString', value: readText(r, valueStart, end) };
    }
    case BYTE_STRING: {
      const padded = paddedEnd(valueStart, length, limit, start);
      const end = valueStart + length;
      zeroPadding(r, end, padded - end);
      r.pos = padded;
      // A copy, so the tree never aliases a transport buffer that is reused later.
      const value = new Uint8Array(length);
      value.set(b.subarray(valueStart, end));
      return { tag, type: 'ByteString', value };
    }
    default:
      throw new KmipDecodeError(`unknown TTLV item type 0x${type.toString(16).padStart(2, '0')}`, start + 3);
  }
}

function fixedLength(length: number, expected: number, itemStart: number): void {
  if (length !== expected) {
    throw new KmipDecodeError(`length ${length} where the item type requires ${expected}`, itemStart + 4);
  }
}

function paddedEnd(valueStart: number, length: number, limit: number, itemStart: number): number {
  const padded = valueStart + length + ((8 - (length % 8)) % 8);
  if (padded > limit) throw new KmipDecodeError('padding of the item runs past the end of its parent', itemStart);
  return padded;
}

function zeroPadding(r: Reader, from: number, count: number): void {
  const b = r.bytes;
  for (let i = from; i < from + count; i++) {
    if (b[i] !== 0) throw new KmipDecodeError('non-zero padding byte', i);
  }
}

function readText(r: Reader, start: number, end: number): string {
  const b = r.bytes;
  for (let i = start; i < end; i++) {
    if ((b[i] as number) > 0x7f) {
      try {
        return utf8.decode(b.subarray(start, end));
      } catch (error) {
        throw new KmipDecodeError('TextString is not valid UTF-8', start, {
          cause: error,
        });
      }
    }
  }
  return r.text.toString('latin1', start, end);
}

function readBigInteger(r: Reader, start: number, length: number): bigint {
  let value = 0n;
  for (let i = start; i < start + length; i += 8) value = (value << 64n) | r.view.getBigUint64(i);
  return BigInt.asIntN(length * 8, value);
}

// ---------------------------------------------------------------------------------------
// Encoder

class Writer {
  buf: Buffer;
  view: DataView;
  pos = 0;

  constructor(initialSize: number) {
    this.buf = Buffer.allocUnsafeSlow(initialSize);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  ensure(extra: number): void {
    const needed = this.pos + extra;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  header(tag: number, type: number, length: number): void {
    const buf = this.buf;
    const p = this.pos;
    buf[p] = tag >>> 16;
    buf[p + 1] = (tag >>> 8) & 0xff;
    buf[p + 2] = tag & 0xff;
    buf[p + 3] = type;
    this.view.setUint32(p + 4, length);
    this.pos = p + HEADER_BYTES;
  }

  /** A 4-byte value and its 4 bytes of padding. */
  word(value: number, signed: boolean): void {
    if (signed) this.view.setInt32(this.pos, value);
    else this.view.setUint32(this.pos, value);
    this.view.setUint32(this.pos + 4, 0);
    this.pos += 8;
  }

  /** A 64-bit two's complement value given as a safe integer, without going through BigInt. */
  int64(value: number): void {
    const high = Math.floor(value / 0x1_0000_0000);
    this.view.setInt32(this.pos, high);
    this.view.setUint32(this.pos + 4, value - high * 0x1_0000_0000);
    this.pos += 8;
  }

  zeros(count: number): void {
    const buf = this.buf;
    for (let i = 0; i < count; i++) buf[this.pos + i] = 0;
    this.pos += count;
  }
}

/**
 * One scratch writer serves every call (encoding is synchronous), so a message costs one
 * exact-size allocation for its result; a nested call, which only a getter on a node could
 * make, gets its own writer.
 */
let scratch: Writer | undefined = new Writer(4096);
const SCRATCH_KEEP_BYTES = 1024 * 1024;

/** Encode a TTLV tree (normally a RequestMessage) to bytes. @throws KmipEncodeError */
export function encodeBinary(node: TtlvNode): Uint8Array {
  const writer = scratch ?? new Writer(1024);
  scratch = undefined;
  writer.pos = 0;
  try {
    writeItem(writer, node, 1, undefined);
    const out = new Uint8Array(writer.pos);
    out.set(writer.buf.subarray(0, writer.pos));
    return out;
  } finally {
    // A one-off huge message must not pin its buffer for the life of the process.
    scratch = writer.buf.length <= SCRATCH_KEEP_BYTES ? writer : new Writer(4096);
  }
}

const ENCODE_MAX_DEPTH = 64;

function writeItem(w: Writer, node: TtlvNode, depth: number, enumTag: string | undefined): void {
  if (node === null || typeof node !== 'object') throw new KmipEncodeError('TTLV node is not an object');
  const tag = encodeTag(node.tag);
  w.ensure(16);
  switch (node.type) {
    case 'Structure': {
      if (depth > ENCODE_MAX_DEPTH) throw new KmipEncodeError(`TTLV tree deeper than ${ENCODE_MAX_DEPTH}`, node.tag);
      if (!Array.isArray(node.value)) throw invalid(node, 'a Structure value must be an array of nodes');
      const headerAt = w.pos;
      w.header(tag, STRUCTURE, 0);
      let childEnumTag: string | undefined;
      for (const child of node.value) {
        try {
          writeItem(w, child, depth + 1, childEnumTag);
        } catch (error) {
          throw withParent(error, node.tag);
        }
        if (child.tag === 'AttributeName' && child.type === 'TextString') {
          childEnumTag = attributeEnumerationTag(child.value);
        }
      }
      w.view.setUint32(headerAt + 4, w.pos - headerAt - HEADER_BYTES);
      return;
    }
    case 'Integer': {
      const v = node.value;
      if (!Number.isInteger(v) || v < -0x8000_0000 || v > 0x7fff_ffff)
        throw invalid(node, 'not a 32-bit signed integer');
      w.header(tag, INTEGER, 4);
      w.word(v, true);
      return;
    }
    case 'Enumeration': {
      const lookupTag = node.tag === 'AttributeValue' && enumTag !== undefined ? enumTag : node.tag;
      let n: number;
      try {
        n = enumNumber(lookupTag, node.value);
      } catch (error) {
        throw error instanceof KmipEncodeError ? new KmipEncodeError(error.reason, node.tag) : error;
      }
      w.header(tag, ENUMERATION, 4);
      w.word(n, false);
      return;
    }
    case 'Interval': {
      const v = node.value;
      if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw invalid(node, 'not a 32-bit unsigned integer');
      w.header(tag, INTERVAL, 4);
      w.word(v, false);
      return;
    }
    case 'LongInteger':
    case 'DateTimeExtended': {
      const v = toInt64(node, node.value);
      w.header(tag, node.type === 'LongInteger' ? LONG_INTEGER : DATE_TIME_EXTENDED, 8);
      w.view.setBigInt64(w.pos, v);
      w.pos += 8;
      return;
    }
    case 'DateTime': {
      const v = node.value;
      const ms = v instanceof Date ? v.getTime() : Number.NaN;
      if (Number.isNaN(ms)) throw invalid(node, 'not a valid Date');
      w.header(tag, DATE_TIME, 8);
      w.int64(Math.floor(ms / 1000));
      return;
    }
    case 'Boolean': {
      if (typeof node.value !== 'boolean') throw invalid(node, 'not a boolean');
      w.header(tag, BOOLEAN, 8);
      w.zeros(7);
      w.buf[w.pos++] = node.value ? 1 : 0;
      return;
    }
    case 'BigInteger': {
      const bytes = bigIntegerBytes(toBigInt(node, node.value));
      w.ensure(bytes.length + 8);
      w.header(tag, BIG_INTEGER, bytes.length);
      w.buf.set(bytes, w.pos);
      w.pos += bytes.length;
      return;
    }
    case 'TextString': {
      const v = node.value;
      if (typeof v !== 'string') throw invalid(node, 'not a string');
      w.ensure(v.length * 3 + 16);
      const headerAt = w.pos;
      const valueAt = headerAt + HEADER_BYTES;
      let length = writeAscii(w.buf, v, valueAt);
      if (length < 0) {
        if (!isWellFormed(v)) throw invalid(node, 'contains a lone surrogate, which has no UTF-8 form');
        length = w.buf.write(v, valueAt, 'utf8');
      }
      w.header(tag, TEXT_STRING, length);
      w.pos = valueAt + length;
      w.zeros((8 - (length % 8)) % 8);
      return;
    }
    case 'ByteString': {
      const v = node.value;
      if (!(v instanceof Uint8Array)) throw invalid(node, 'not a Uint8Array');
      w.ensure(v.length + 16);
      w.header(tag, BYTE_STRING, v.length);
      w.buf.set(v, w.pos);
      w.pos += v.length;
      w.zeros((8 - (v.length % 8)) % 8);
      return;
    }
    default: {
      const unknown: { type?: unknown; tag?: unknown } = node;
      throw new KmipEncodeError(`unknown TTLV item type ${String(unknown.type)}`, String(unknown.tag));
    }
  }
}

function encodeTag(tag: string): number {
  if (typeof tag !== 'string') throw new KmipEncodeError('TTLV tag is not a string');
  const n = tagNumber(tag);
  if (!isTagRange(n >>> 16))
    throw new KmipEncodeError(`tag ${tagHex(n)} is outside the 0x42xxxx and 0x54xxxx ranges`, tag);
  return n;
}

function invalid(node: { tag: string; type: ItemType }, reason: string): KmipEncodeError {
  return new KmipEncodeError(`${node.type} value ${reason}`, node.tag);
}

function withParent(error: unknown, parent: string): unknown {
  return error instanceof KmipEncodeError ? error.within(parent) : error;
}

function toBigInt(node: TtlvNode, v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw invalid(node, 'not a bigint');
}

function toInt64(node: TtlvNode, v: unknown): bigint {
  const value = toBigInt(node, v);
  if (value < I64_MIN || value > I64_MAX) throw invalid(node, 'does not fit in 64 signed bits');
  return value;
}

/** Two's complement, big-endian, sign-extended to the smallest multiple of 8 bytes (at least 8). */
export function bigIntegerBytes(value: bigint): Uint8Array {
  // Bits needed including the sign bit: for negatives, those of ~value (= -value - 1).
  const magnitude = value < 0n ? ~value : value;
  const bits = magnitude === 0n ? 1 : magnitude.toString(2).length + 1;
  const length = Math.max(8, Math.ceil(bits / 64) * 8);
  const hex = BigInt.asUintN(length * 8, value)
    .toString(16)
    .padStart(length * 2, '0');
  return Buffer.from(hex, 'hex');
}

/**
 * Writes a short all-ASCII string byte by byte (cheaper than a native call for the tags and
 * identifiers that make up most messages); -1 when it is long or not ASCII.
 */
function writeAscii(buf: Buffer, text: string, at: number): number {
  const length = text.length;
  if (length > 64) return -1;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return -1;
    buf[at + i] = code;
  }
  return length;
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/;
const SURROGATE_PAIRS = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

function isWellFormed(text: string): boolean {
  if (!LONE_SURROGATE.test(text)) return true;
  return !LONE_SURROGATE.test(text.replace(SURROGATE_PAIRS, ''));
}

/**
 * A minimal DER encoder (X.690 §10): each function returns the complete encoding of one
 * value, so builders assemble certificates, CRLs and OCSP responses from pre-encoded
 * parts. This replaces asn1js object graphs on the hot paths, where building and
 * serializing the graph cost more than the signature itself (bench/issuance.ts);
 * pkijs stays for the rare artefacts (sub-CA CSR, PKCS#7, PKCS#12).
 */

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  enumerated: 0x0a,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with a single-byte tag (all tags we emit are low-tag-number form). */
export function tlv(tag: number, ...contents: Uint8Array[]): Buffer {
  const body = contents.length === 1 ? (contents[0] as Uint8Array) : Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export const sequence = (...parts: Uint8Array[]): Buffer => tlv(TAG.sequence, ...parts);

/** SEQUENCE OF with many elements (CRL entries): no argument spread, no stack limit. */
export function sequenceOf(parts: readonly Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([TAG.sequence]), encodeLength(body.length), body]);
}

/** SET OF in DER sorts its elements by their encodings (X.690 §11.6). */
export function setOf(...parts: Uint8Array[]): Buffer {
  const sorted = [...parts].sort((a, b) => Buffer.compare(a, b));
  return tlv(TAG.set, ...sorted);
}

/** Context-specific EXPLICIT [n]: wraps a complete encoding. */
export const explicit = (tagNumber: number, ...parts: Uint8Array[]): Buffer => tlv(0xa0 | tagNumber, ...parts);

/** Context-specific IMPLICIT [n] over a primitive value's content octets. */
export const implicitPrimitive = (tagNumber: number, content: Uint8Array): Buffer => tlv(0x80 | tagNumber, content);

/** Context-specific IMPLICIT [n] over a constructed value's content octets. */
export const implicitConstructed = (tagNumber: number, ...parts: Uint8Array[]): Buffer =>
  tlv(0xa0 | tagNumber, ...parts);

const TRUE = Buffer.from([0x01, 0x01, 0xff]);
const FALSE = Buffer.from([0x01, 0x01, 0x00]);
export const boolean = (value: boolean): Buffer => (value ? TRUE : FALSE);

export const NULL = Buffer.from([0x05, 0x00]);

/** An INTEGER from unsigned big-endian magnitude bytes; adds the sign octet and strips redundant zeros. */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  if (trimmed.length === 0) return Buffer.from([TAG.integer, 1, 0]);
  const needsSignOctet = ((trimmed[0] as number) & 0x80) !== 0;
  return needsSignOctet ? tlv(TAG.integer, Buffer.from([0]), trimmed) : tlv(TAG.integer, trimmed);
}

export function smallInteger(value: number, tag: number = TAG.integer): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a non-negative safe integer: ${value}`);
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  if (((bytes[0] as number) & 0x80) !== 0) bytes.unshift(0);
  return tlv(tag, Buffer.from(bytes));
}

export const enumerated = (value: number): Buffer => smallInteger(value, TAG.enumerated);

const oidCache = new Map<string, Buffer>();

export function oid(dotted: string): Buffer {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const arcs = dotted.split('.').map((arc) => {
    if (!/^\d+$/.test(arc)) throw new RangeError(`invalid OID: ${dotted}`);
    return BigInt(arc);
  });
  if (arcs.length < 2) throw new RangeError(`invalid OID: ${dotted}`);
  const content: number[] = [];
  const first = (arcs[0] as bigint) * 40n + (arcs[1] as bigint);
  for (const arc of [first, ...arcs.slice(2)]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let rest = arc >> 7n; rest > 0n; rest >>= 7n) chunk.unshift(Number(rest & 0x7fn) | 0x80);
    content.push(...chunk);
  }
  const encoded = tlv(TAG.oid, Buffer.from(content));
  oidCache.set(dotted, encoded);
  return encoded;
}

export const octetString = (content: Uint8Array): Buffer => tlv(TAG.octetString, content);

export const bitString = (content: Uint8Array, unusedBits = 0): Buffer =>
  tlv(TAG.bitString, Buffer.from([unusedBits]), content);

/**
 * A named-bit BIT STRING (KeyUsage, ReasonFlags): DER drops trailing zero bits
 * (X.690 §11.2.2), so the unused-bits count depends on the highest bit set.
 */
export function namedBits(bitNumbers: readonly number[]): Buffer {
  if (bitNumbers.length === 0) return Buffer.from([TAG.bitString, 1, 0]);
  const highest = Math.max(...bitNumbers);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bitNumbers)
    bytes[Math.floor(bit / 8)] = (bytes[Math.floor(bit / 8)] as number) | (0x80 >> (bit % 8));
  const unusedBits = 7 - (highest % 8);
  return bitString(bytes, unusedBits);
}

export const utf8String = (value: string): Buffer => tlv(TAG.utf8String, Buffer.from(value, 'utf8'));
export const printableString = (value: string): Buffer => tlv(TAG.printableString, Buffer.from(value, 'latin1'));
export const ia5String = (value: string): Buffer => tlv(TAG.ia5String, Buffer.from(value, 'latin1'));

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** UTCTime YYMMDDHHMMSSZ; only for years 1950–2049 (RFC 5280 §4.1.2.5.1). */
export function utcTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new RangeError(`UTCTime cannot encode year ${year}`);
  const text = `${pad(year % 100)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  return tlv(TAG.utcTime, Buffer.from(text, 'latin1'));
}

/** GeneralizedTime YYYYMMDDHHMMSSZ, no fractional seconds (RFC 5280 §4.1.2.5.2). */
export function generalizedTime(date: Date): Buffer {
  const text = `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  return tlv(TAG.generalizedTime, Buffer.from(text, 'latin1'));
}

/** RFC 5280 Time: UTCTime through 2049, GeneralizedTime from 2050 on. */
export const time = (date: Date): Buffer => (date.getUTCFullYear() < 2050 ? utcTime(date) : generalizedTime(date));

/**
 * A strict DER reader (X.690 §10) over untrusted bytes: definite minimal lengths only,
 * every length checked against the enclosing element before it is used, no recursion
 * (callers walk one level at a time), so truncated or hostile input ends in a
 * `DerDecodeError` and never in an allocation or a hang.
 */

export class DerDecodeError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
    this.name = 'DerDecodeError';
  }
}

export interface DerElement {
  /** The identifier octet (we only accept low-tag-number form). */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the last content octet. */
  end: number;
}

export function readElement(bytes: Uint8Array, offset: number, limit = bytes.length): DerElement {
  if (offset + 2 > limit) throw new DerDecodeError('truncated element header', offset);
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerDecodeError('high tag numbers are not supported', offset);
  let lengthByte = bytes[offset + 1] as number;
  let cursor = offset + 2;
  let length: number;
  if (lengthByte < 0x80) {
    length = lengthByte;
  } else {
    const count = lengthByte & 0x7f;
    if (count === 0) throw new DerDecodeError('indefinite length is not DER', offset);
    if (count > 4) throw new DerDecodeError('length too large', offset);
    if (cursor + count > limit) throw new DerDecodeError('truncated length', offset);
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = bytes[cursor + i] as number;
      if (i === 0 && lengthByte === 0) throw new DerDecodeError('non-minimal length', offset);
      length = length * 256 + lengthByte;
    }
    if (length < 0x80) throw new DerDecodeError('non-minimal length', offset);
    cursor += count;
  }
  if (cursor + length > limit) throw new DerDecodeError('length runs past the end of its container', offset);
  return { tag, start: offset, contentStart: cursor, end: cursor + length };
}

/** The direct children of a constructed element. */
export function readChildren(bytes: Uint8Array, parent: DerElement): DerElement[] {
  if ((parent.tag & 0x20) === 0) throw new DerDecodeError('expected a constructed element', parent.start);
  const children: DerElement[] = [];
  for (let offset = parent.contentStart; offset < parent.end;) {
    const child = readElement(bytes, offset, parent.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** Reads the single top-level element, refusing trailing bytes. */
export function readRoot(bytes: Uint8Array): DerElement {
  const root = readElement(bytes, 0);
  if (root.end !== bytes.length) throw new DerDecodeError('trailing bytes after the element', root.end);
  return root;
}

export function expectTag(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (!element) throw new DerDecodeError(`missing ${what}`, -1);
  if (element.tag !== tag) {
    throw new DerDecodeError(
      `expected ${what} (tag 0x${tag.toString(16)}), got 0x${element.tag.toString(16)}`,
      element.start,
    );
  }
  return element;
}

export const contentOf = (bytes: Uint8Array, element: DerElement): Uint8Array =>
  bytes.subarray(element.contentStart, element.end);

export const encodingOf = (bytes: Uint8Array, element: DerElement): Uint8Array =>
  bytes.subarray(element.start, element.end);

export function decodeOid(bytes: Uint8Array, element: DerElement): string {
  if (element.tag !== 0x06) throw new DerDecodeError('expected an OBJECT IDENTIFIER', element.start);
  const content = contentOf(bytes, element);
  if (content.length === 0 || content.length > 64)
    throw new DerDecodeError('bad OBJECT IDENTIFIER length', element.start);
  const arcs: bigint[] = [];
  let value = 0n;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i] as number;
    if (value === 0n && byte === 0x80) throw new DerDecodeError('non-minimal OID arc', element.start);
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    } else if (i === content.length - 1) {
      throw new DerDecodeError('truncated OID arc', element.start);
    }
  }
  const first = arcs[0] as bigint;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

export function decodeBoolean(bytes: Uint8Array, element: DerElement): boolean {
  const content = contentOf(bytes, element);
  if (element.tag !== 0x01 || content.length !== 1) throw new DerDecodeError('bad BOOLEAN', element.start);
  if (content[0] === 0xff) return true;
  if (content[0] === 0x00) return false;
  throw new DerDecodeError('BOOLEAN is neither 0x00 nor 0xff', element.start);
}

/** INTEGER content as unsigned magnitude bytes; refuses negative values. */
export function decodeUnsignedInteger(bytes: Uint8Array, element: DerElement): Uint8Array {
  if (element.tag !== 0x02) throw new DerDecodeError('expected an INTEGER', element.start);
  const content = contentOf(bytes, element);
  if (content.length === 0) throw new DerDecodeError('empty INTEGER', element.start);
  if (((content[0] as number) & 0x80) !== 0) throw new DerDecodeError('negative INTEGER', element.start);
  if (content.length > 1 && content[0] === 0 && ((content[1] as number) & 0x80) === 0) {
    throw new DerDecodeError('non-minimal INTEGER', element.start);
  }
  return content[0] === 0 && content.length > 1 ? content.subarray(1) : content;
}

export function decodeSmallInteger(bytes: Uint8Array, element: DerElement): number {
  const magnitude = decodeUnsignedInteger(bytes, element);
  if (magnitude.length > 6) throw new DerDecodeError('INTEGER too large', element.start);
  let value = 0;
  for (const byte of magnitude) value = value * 256 + byte;
  return value;
}

/** BIT STRING content without the unused-bits octet; DER's zero padding is checked, callers decide on a non-zero count. */
export function decodeBitString(bytes: Uint8Array, element: DerElement): { bits: Uint8Array; unusedBits: number } {
  const content = contentOf(bytes, element);
  if (element.tag !== 0x03 || content.length === 0) throw new DerDecodeError('bad BIT STRING', element.start);
  const unusedBits = content[0] as number;
  if (unusedBits > 7 || (content.length === 1 && unusedBits !== 0))
    throw new DerDecodeError('bad BIT STRING unused bits', element.start);
  const bits = content.subarray(1);
  const lastOctet = bits.length === 0 ? 0 : (bits[bits.length - 1] as number);
  if ((lastOctet & ((1 << unusedBits) - 1)) !== 0)
    throw new DerDecodeError('BIT STRING padding bits are not zero', element.start);
  return { bits, unusedBits };
}

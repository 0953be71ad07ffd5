/**
 * Edge vectors for the strict DER reader (X.690 §8.1 identifier and length octets, §10.1
 * definite minimal lengths, §8.3 minimal INTEGERs, §8.19 OID arcs, §8.6 BIT STRING,
 * §11.1 BOOLEAN), written as hex so each case shows its bytes. Every refusal must be a
 * DerDecodeError carrying an offset: never a RangeError, a TypeError or an allocation.
 */
import { describe, expect, it } from 'vitest';

import {
  DerDecodeError,
  decodeBitString,
  decodeBoolean,
  decodeOid,
  decodeSmallInteger,
  decodeUnsignedInteger,
  expectTag,
  readChildren,
  readElement,
  readRoot,
} from './der-reader.js';

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));

function refusal(action: () => unknown): DerDecodeError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(DerDecodeError);
    return error as DerDecodeError;
  }
  throw new Error('expected a DerDecodeError, got a result');
}

/** `depth` SEQUENCEs inside each other around an empty one, with long-form lengths where needed. */
function nestedSequences(depth: number): Uint8Array {
  const headers: Buffer[] = [];
  let length = 2;
  for (let i = 0; i < depth; i++) {
    const header =
      length < 0x80
        ? [0x30, length]
        : length < 0x100
          ? [0x30, 0x81, length]
          : length < 0x10000
            ? [0x30, 0x82, length >> 8, length & 0xff]
            : [0x30, 0x83, length >> 16, (length >> 8) & 0xff, length & 0xff];
    headers.push(Buffer.from(header));
    length += header.length;
  }
  return Uint8Array.from(Buffer.concat([...headers.reverse(), Buffer.from([0x30, 0x00])]));
}

describe('DER reader: lengths (X.690 §8.1.3, §10.1)', () => {
  it('reads short-form and minimal long-form lengths', () => {
    expect(readRoot(bytes('0403 010203'))).toEqual({ tag: 0x04, start: 0, contentStart: 2, end: 5 });
    const long = Uint8Array.from([0x04, 0x81, 0x80, ...new Array<number>(0x80).fill(7)]);
    expect(readRoot(long)).toMatchObject({ contentStart: 3, end: 0x83 });
    const twoOctets = Uint8Array.from([0x04, 0x82, 0x01, 0x00, ...new Array<number>(0x100).fill(7)]);
    expect(readRoot(twoOctets)).toMatchObject({ contentStart: 4, end: 0x104 });
  });

  it('refuses the indefinite length (BER, not DER)', () => {
    expect(refusal(() => readRoot(bytes('3080 0500 0000'))).message).toMatch(/indefinite length/);
  });

  it('refuses non-minimal long-form lengths', () => {
    // 0x81 0x05: five fits the short form.
    expect(refusal(() => readRoot(bytes('0481 05 0102030405'))).message).toMatch(/non-minimal length/);
    // A leading zero length octet.
    expect(refusal(() => readRoot(bytes('0482 0005 0102030405'))).message).toMatch(/non-minimal length/);
    expect(refusal(() => readRoot(bytes('0484 00000001 01'))).message).toMatch(/non-minimal length/);
  });

  it('refuses more than four length octets and huge declared lengths without allocating', () => {
    expect(refusal(() => readRoot(bytes('0485 0100000000 00'))).message).toMatch(/length too large/);
    expect(refusal(() => readRoot(bytes('04ff ffffffffffffffff'))).message).toMatch(/length too large/);
    // 4 GiB − 1 declared, three content bytes present.
    expect(refusal(() => readRoot(bytes('3084 ffffffff 010203'))).message).toMatch(/past the end/);
    expect(refusal(() => readRoot(bytes('3083 ffffff'))).message).toMatch(/past the end/);
  });

  it('refuses truncated input at every cut of a valid encoding', () => {
    const whole = bytes('3009 0603 2a0304 0202 00ff');
    expect(readRoot(whole).end).toBe(whole.length);
    for (let cut = 0; cut < whole.length; cut++) refusal(() => readRoot(whole.subarray(0, cut)));
    expect(refusal(() => readRoot(bytes(''))).message).toMatch(/truncated element header/);
    expect(refusal(() => readRoot(bytes('30'))).message).toMatch(/truncated element header/);
    expect(refusal(() => readRoot(bytes('3082 01'))).message).toMatch(/truncated length/);
  });

  it('refuses a child whose length runs past its parent, even when the buffer is longer', () => {
    // SEQUENCE of length 3 holding an OCTET STRING that claims 4 bytes; the bytes exist outside.
    const input = bytes('3003 0404 01020304');
    const parent = readElement(input, 0);
    expect(refusal(() => readChildren(input, parent)).message).toMatch(/past the end of its container/);
  });

  it('refuses trailing bytes after the root element', () => {
    const error = refusal(() => readRoot(bytes('0500 00')));
    expect(error.message).toMatch(/trailing bytes/);
    expect(error.offset).toBe(2);
  });
});

describe('DER reader: identifiers and structure', () => {
  it('refuses high tag numbers (X.690 §8.1.2.4)', () => {
    expect(refusal(() => readRoot(bytes('1f81 00 00'))).message).toMatch(/high tag numbers/);
    expect(refusal(() => readRoot(bytes('bf1f 00'))).message).toMatch(/high tag numbers/);
  });

  it('reads children of a constructed element only', () => {
    const input = bytes('3006 0201 01 0101 ff');
    expect(readChildren(input, readRoot(input)).map((child) => child.tag)).toEqual([0x02, 0x01]);
    const primitive = bytes('0403 300100');
    expect(refusal(() => readChildren(primitive, readRoot(primitive))).message).toMatch(/constructed/);
  });

  it('names the expected tag and tells a missing element apart', () => {
    const input = bytes('0400');
    expect(refusal(() => expectTag(readRoot(input), 0x30, 'SEQUENCE')).message).toMatch(
      /expected SEQUENCE \(tag 0x30\)/,
    );
    expect(refusal(() => expectTag(undefined, 0x30, 'signature')).message).toMatch(/missing signature/);
  });

  it('walks nesting 10,000 deep without recursion, and every truncation of it is refused', () => {
    const deep = nestedSequences(10_000);
    let element = readRoot(deep);
    let depth = 0;
    for (;;) {
      const [child] = readChildren(deep, element);
      if (!child) break;
      element = child;
      depth++;
    }
    expect(depth).toBe(10_000);
    // Cut off in the middle: the outer headers promise more than there is.
    refusal(() => readRoot(deep.subarray(0, deep.length - 1)));
  });
});

describe('DER reader: primitive values', () => {
  it('decodes OIDs and refuses non-minimal, truncated, empty and oversized ones (X.690 §8.19)', () => {
    const oid = (hex: string) => {
      const input = bytes(hex);
      return decodeOid(input, readRoot(input));
    };
    expect(oid('0609 2a864886f70d01010b')).toBe('1.2.840.113549.1.1.11');
    expect(oid('0603 883703')).toBe('2.999.3');
    expect(refusal(() => oid('0600')).message).toMatch(/bad OBJECT IDENTIFIER length/);
    expect(refusal(() => oid('0603 2a8001')).message).toMatch(/non-minimal OID arc/);
    expect(refusal(() => oid('0602 2a86')).message).toMatch(/truncated OID arc/);
    const huge = Uint8Array.from([0x06, 0x41, ...new Array<number>(0x40).fill(0x81), 0x01]);
    expect(refusal(() => decodeOid(huge, readRoot(huge))).message).toMatch(/bad OBJECT IDENTIFIER length/);
    expect(refusal(() => oid('0400')).message).toMatch(/expected an OBJECT IDENTIFIER/);
  });

  it('decodes BOOLEANs as 0x00 or 0xff only (X.690 §11.1)', () => {
    const boolean = (hex: string) => {
      const input = bytes(hex);
      return decodeBoolean(input, readRoot(input));
    };
    expect(boolean('0101ff')).toBe(true);
    expect(boolean('010100')).toBe(false);
    expect(refusal(() => boolean('010101')).message).toMatch(/neither 0x00 nor 0xff/);
    expect(refusal(() => boolean('0102ffff')).message).toMatch(/bad BOOLEAN/);
    expect(refusal(() => boolean('0100')).message).toMatch(/bad BOOLEAN/);
    expect(refusal(() => boolean('0201ff')).message).toMatch(/bad BOOLEAN/);
  });

  it('decodes unsigned INTEGERs and refuses empty, negative and non-minimal ones (X.690 §8.3.2)', () => {
    const magnitude = (hex: string) => {
      const input = bytes(hex);
      return Buffer.from(decodeUnsignedInteger(input, readRoot(input))).toString('hex');
    };
    expect(magnitude('020100')).toBe('00');
    expect(magnitude('02020080')).toBe('80');
    expect(magnitude('02017f')).toBe('7f');
    expect(refusal(() => magnitude('0200')).message).toMatch(/empty INTEGER/);
    expect(refusal(() => magnitude('020180')).message).toMatch(/negative INTEGER/);
    expect(refusal(() => magnitude('0202007f')).message).toMatch(/non-minimal INTEGER/);
    expect(refusal(() => magnitude('0401 01')).message).toMatch(/expected an INTEGER/);
  });

  it('bounds small INTEGERs to six octets', () => {
    const small = (hex: string) => {
      const input = bytes(hex);
      return decodeSmallInteger(input, readRoot(input));
    };
    expect(small('0206 7fffffffffff')).toBe(0x7fffffffffff);
    expect(refusal(() => small('0207 01000000000000')).message).toMatch(/INTEGER too large/);
  });

  it('decodes BIT STRINGs and refuses bad unused-bit counts (X.690 §8.6.2, §11.2)', () => {
    const bitString = (hex: string) => {
      const input = bytes(hex);
      return decodeBitString(input, readRoot(input));
    };
    expect(bitString('0303 00 abcd')).toMatchObject({ unusedBits: 0 });
    expect(bitString('0302 07 80')).toMatchObject({ unusedBits: 7 });
    expect(refusal(() => bitString('0300')).message).toMatch(/bad BIT STRING/);
    expect(refusal(() => bitString('0302 08 00')).message).toMatch(/unused bits/);
    // An empty bit string has no bits to leave unused.
    expect(refusal(() => bitString('0301 03')).message).toMatch(/unused bits/);
    // DER pads with zero bits.
    expect(refusal(() => bitString('0302 01 81')).message).toMatch(/padding/);
  });
});

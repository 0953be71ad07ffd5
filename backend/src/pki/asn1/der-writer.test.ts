/** Expected bytes are from X.690 §8 examples and RFC 5280 encodings checked with openssl asn1parse. */
import { describe, expect, it } from 'vitest';

import * as der from './der-writer.js';
import { decodeOid, readRoot, decodeUnsignedInteger } from './der-reader.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('DER writer', () => {
  it('encodes OIDs, including large arcs', () => {
    expect(hex(der.oid('1.2.840.113549.1.1.11'))).toBe('06092a864886f70d01010b');
    expect(hex(der.oid('2.5.29.19'))).toBe('0603551d13');
    const large = der.oid('2.999.3');
    expect(decodeOid(large, readRoot(large))).toBe('2.999.3');
  });

  it('encodes INTEGERs minimally with a sign octet when needed', () => {
    expect(hex(der.unsignedInteger(Buffer.from([0x00, 0x00, 0x7f])))).toBe('02017f');
    expect(hex(der.unsignedInteger(Buffer.from([0x80])))).toBe('02020080');
    expect(hex(der.smallInteger(0))).toBe('020100');
    expect(hex(der.smallInteger(128))).toBe('02020080');
    const serial = der.unsignedInteger(Buffer.from('ff'.repeat(16), 'hex'));
    expect(hex(decodeUnsignedInteger(serial, readRoot(serial)))).toBe('ff'.repeat(16));
  });

  it('uses long-form lengths from 128 bytes on', () => {
    expect(hex(der.octetString(Buffer.alloc(127)).subarray(0, 2))).toBe('047f');
    expect(hex(der.octetString(Buffer.alloc(128)).subarray(0, 3))).toBe('048180');
    expect(hex(der.octetString(Buffer.alloc(300)).subarray(0, 4))).toBe('0482012c');
  });

  it('drops trailing zero bits of named bit strings (X.690 §11.2.2)', () => {
    expect(hex(der.namedBits([0]))).toBe('03020780'); // digitalSignature
    expect(hex(der.namedBits([0, 2]))).toBe('030205a0'); // digitalSignature, keyEncipherment
    expect(hex(der.namedBits([0, 5, 6]))).toBe('03020186'); // digitalSignature, keyCertSign, cRLSign
  });

  it('switches from UTCTime to GeneralizedTime in 2050', () => {
    expect(
      Buffer.from(der.time(new Date('2049-12-31T23:59:59Z')))
        .toString('latin1')
        .slice(2),
    ).toBe('491231235959Z');
    expect(
      Buffer.from(der.time(new Date('2050-01-01T00:00:00Z')))
        .toString('latin1')
        .slice(2),
    ).toBe('20500101000000Z');
    expect(der.time(new Date('2050-01-01T00:00:00Z'))[0]).toBe(0x18);
  });

  it('sorts SET OF elements by encoding', () => {
    expect(hex(der.setOf(der.smallInteger(2), der.smallInteger(1)))).toBe('3106020101020102');
  });
});

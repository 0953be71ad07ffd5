import { Buffer } from 'node:buffer';
import { readdirSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { KmipDecodeError } from '../errors.js';
import { KmipEncodeError } from '../ttlv/encode-error.js';
import type { TtlvNode } from '../ttlv/types.js';
import { bigIntegerBytes, binaryFrameLength, decodeBinary, encodeBinary } from './binary.js';
import {
  bool,
  bytes,
  enumeration,
  hex,
  integer,
  item,
  longInteger,
  readHexFixture,
  structure,
  text,
} from './testing/test-buffers.js';

const PYKMIP = new URL('./__fixtures__/pykmip/', import.meta.url);
const COSMIAN_DOCS = new URL('./__fixtures__/cosmian-docs/', import.meta.url);

function hexFixtures(dir: URL): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.hex'))
    .sort();
}

function find(node: TtlvNode, tag: string): TtlvNode | undefined {
  if (node.tag === tag) return node;
  if (node.type !== 'Structure') return undefined;
  for (const child of node.value) {
    const hit = find(child, tag);
    if (hit) return hit;
  }
  return undefined;
}

function decodeError(input: Uint8Array, limits?: { maxBytes?: number; maxDepth?: number }): KmipDecodeError {
  try {
    decodeBinary(input, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(KmipDecodeError);
    return error as KmipDecodeError;
  }
  throw new Error('decodeBinary accepted invalid input');
}

const UID = 0x420094;
const BATCH_COUNT = 0x42000d;

describe('binary TTLV codec on real vectors', () => {
  const pykmip = hexFixtures(PYKMIP);
  const cosmian = hexFixtures(COSMIAN_DOCS);

  it('has the captured vectors', () => {
    expect(pykmip.length).toBeGreaterThanOrEqual(100);
    expect(cosmian.length).toBeGreaterThanOrEqual(16);
  });

  it.each(pykmip)('PyKMIP %s decodes and re-encodes byte-identically', (name) => {
    const wire = readHexFixture(new URL(name, PYKMIP));
    const node = decodeBinary(wire);
    expect(node.tag).toMatch(/^(RequestMessage|ResponseMessage)$/);
    expect(Buffer.from(encodeBinary(node)).equals(Buffer.from(wire))).toBe(true);
    expect(binaryFrameLength(wire.subarray(0, 8))).toBe(wire.length);
  });

  it.each(cosmian)('Cosmian test vector %s decodes and re-encodes byte-identically', (name) => {
    const wire = readHexFixture(new URL(name, COSMIAN_DOCS));
    expect(Buffer.from(encodeBinary(decodeBinary(wire))).equals(Buffer.from(wire))).toBe(true);
  });

  it('reads a Sign response into named tags and enumerations', () => {
    const node = decodeBinary(readHexFixture(new URL('v1_2_sign_pkcs1_sha256.response.hex', PYKMIP)));
    expect(find(node, 'Operation')).toEqual({
      tag: 'Operation',
      type: 'Enumeration',
      value: 'Sign',
    });
    expect(find(node, 'ResultStatus')).toEqual({
      tag: 'ResultStatus',
      type: 'Enumeration',
      value: 'Success',
    });
    const signature = find(node, 'SignatureData');
    expect(signature?.type).toBe('ByteString');
    expect((signature?.value as Uint8Array).length).toBe(256);
    expect(find(node, 'TimeStamp')?.value).toBeInstanceOf(Date);
  });

  it('reads an error answer with its reason and message', () => {
    const node = decodeBinary(readHexFixture(new URL('v1_2_error_sign_preactive.response.hex', PYKMIP)));
    expect(find(node, 'ResultStatus')?.value).toBe('OperationFailed');
    expect(find(node, 'ResultReason')?.value).toBe('Permission_Denied');
    expect(find(node, 'ResultMessage')?.value).toBe(
      'The signing key must be in the Active state to be used for signing.',
    );
  });

  it('names KMIP 1.x attribute enumerations from their AttributeName', () => {
    const node = decodeBinary(readHexFixture(new URL('v1_2_create_key_pair.request.hex', PYKMIP)));
    const attribute = find(node, 'Attribute');
    expect(attribute).toEqual({
      tag: 'Attribute',
      type: 'Structure',
      value: [
        {
          tag: 'AttributeName',
          type: 'TextString',
          value: 'Cryptographic Algorithm',
        },
        { tag: 'AttributeValue', type: 'Enumeration', value: 'RSA' },
      ],
    });
    expect(Buffer.from(encodeBinary(attribute as TtlvNode)).toString('hex')).toContain(
      '42000b05000000040000000400000000',
    );
  });
});

describe('binary TTLV item encoding (KMIP 2.1 §9.1)', () => {
  it('writes every item type with its padding', () => {
    const node: TtlvNode = {
      tag: 'RequestPayload',
      type: 'Structure',
      value: [
        { tag: 'BatchCount', type: 'Integer', value: -2 },
        { tag: 'UniqueIdentifier', type: 'TextString', value: 'é1' },
        { tag: 'Data', type: 'ByteString', value: new Uint8Array([1, 2, 3]) },
        { tag: 'InitIndicator', type: 'Boolean', value: true },
        { tag: 'Operation', type: 'Enumeration', value: 'Sign' },
        { tag: 'LeaseTime', type: 'Interval', value: 0xffffffff },
        { tag: 'CorrelationValue', type: 'LongInteger', value: -1n },
        {
          tag: 'ActivationDate',
          type: 'DateTime',
          value: new Date('2026-08-14T08:39:31.999Z'),
        },
        { tag: 'Modulus', type: 'BigInteger', value: 0x80n },
        { tag: '0x54FF01', type: 'DateTimeExtended', value: 1n },
      ],
    };
    const expected = structure(
      0x420079,
      integer(BATCH_COUNT, -2),
      text(UID, 'é1'),
      bytes(0x4200c2, new Uint8Array([1, 2, 3])),
      bool(0x4200d7, 1),
      enumeration(0x42005c, 0x21),
      item(0x420049, 0x0a, hex('ffffffff')),
      longInteger(0x4200d6, -1n),
      longInteger(0x420001, BigInt(Date.parse('2026-08-14T08:39:31Z') / 1000), 0x09),
      item(0x420052, 0x04, hex('0000000000000080')),
      longInteger(0x54ff01, 1n, 0x0b),
    );
    const encoded = encodeBinary(node);
    expect(Buffer.from(encoded).toString('hex')).toBe(expected.toString('hex'));
    const decoded = decodeBinary(encoded);
    expect(decoded).toEqual({
      ...node,
      value: node.value.map((child) =>
        child.type === 'DateTime' ? { ...child, value: new Date('2026-08-14T08:39:31Z') } : child,
      ),
    });
  });

  it('sign-extends BigIntegers to the smallest multiple of 8 bytes', () => {
    const cases: [bigint, string][] = [
      [0n, '0000000000000000'],
      [-1n, 'ffffffffffffffff'],
      [0x7fffffffffffffffn, '7fffffffffffffff'],
      [0x8000000000000000n, '00000000000000008000000000000000'],
      [-0x8000000000000000n, '8000000000000000'],
      [-0x8000000000000001n, 'ffffffffffffffff7fffffffffffffff'],
    ];
    for (const [value, wire] of cases) {
      expect(Buffer.from(bigIntegerBytes(value)).toString('hex'), String(value)).toBe(wire);
      expect(decodeBinary(item(0x420052, 0x04, hex(wire)))).toEqual({
        tag: 'Modulus',
        type: 'BigInteger',
        value,
      });
    }
  });

  it('refuses values that do not fit their item type, naming the path', () => {
    const bad: TtlvNode[] = [
      { tag: 'BatchCount', type: 'Integer', value: 2 ** 31 },
      { tag: 'BatchCount', type: 'Integer', value: 1.5 },
      { tag: 'LeaseTime', type: 'Interval', value: -1 },
      { tag: 'CorrelationValue', type: 'LongInteger', value: 1n << 63n },
      { tag: 'ActivationDate', type: 'DateTime', value: new Date(Number.NaN) },
      { tag: 'Operation', type: 'Enumeration', value: 'NoSuchOperation' },
      { tag: 'Cascade', type: 'Boolean', value: true },
      { tag: 'UniqueIdentifier', type: 'TextString', value: '\uD800' },
    ];
    for (const node of bad) expect(() => encodeBinary(node), `${node.tag} ${node.type}`).toThrow(KmipEncodeError);
    const nested: TtlvNode = {
      tag: 'RequestMessage',
      type: 'Structure',
      value: [
        {
          tag: 'BatchItem',
          type: 'Structure',
          value: [{ tag: 'Operation', type: 'Enumeration', value: 'Nope' }],
        },
      ],
    };
    expect(() => encodeBinary(nested)).toThrow(/at RequestMessage\/BatchItem\/Operation/);
  });
});

describe('binary TTLV decoder is strict and bounded', () => {
  const ok = structure(0x420078, integer(BATCH_COUNT, 1));

  it('accepts the well-formed baseline', () => {
    expect(decodeBinary(ok)).toEqual({
      tag: 'RequestMessage',
      type: 'Structure',
      value: [{ tag: 'BatchCount', type: 'Integer', value: 1 }],
    });
  });

  it('refuses truncated input at every length', () => {
    for (let length = 0; length < ok.length; length++) {
      expect(decodeError(ok.subarray(0, length)).position).toBeDefined();
    }
  });

  it('refuses trailing bytes', () => {
    expect(decodeError(Buffer.concat([ok, Buffer.alloc(8)])).message).toMatch(/trailing/);
  });

  it('refuses non-zero padding', () => {
    const badInteger = Buffer.from(integer(BATCH_COUNT, 1));
    badInteger[15] = 1;
    expect(decodeError(badInteger).position).toBe('15');
    const badText = Buffer.from(text(UID, 'abc'));
    badText[12] = 0x20;
    expect(decodeError(badText).message).toMatch(/padding/);
  });

  it('refuses wrong lengths for fixed-size types', () => {
    expect(decodeError(item(BATCH_COUNT, 0x02, Buffer.alloc(8))).message).toMatch(/requires 4/);
    expect(decodeError(item(0x4200d7, 0x06, Buffer.alloc(4))).message).toMatch(/requires 8/);
    expect(decodeError(item(0x420052, 0x04, Buffer.alloc(4))).message).toMatch(/BigInteger/);
    expect(decodeError(item(0x420052, 0x04, Buffer.alloc(0))).message).toMatch(/BigInteger/);
  });

  it('refuses Booleans other than 0 and 1', () => {
    expect(decodeError(bool(0x4200d7, 2)).message).toMatch(/Boolean/);
    const high = Buffer.from(bool(0x4200d7, 1));
    high[8] = 1;
    expect(decodeError(high).message).toMatch(/Boolean/);
  });

  it('refuses unknown type bytes and non-KMIP tags', () => {
    expect(decodeError(item(UID, 0x0c, Buffer.alloc(0))).message).toMatch(/unknown TTLV item type 0x0c/);
    expect(decodeError(item(UID, 0x00, Buffer.alloc(0))).message).toMatch(/item type/);
    expect(decodeError(item(0x430094, 0x07, Buffer.from('x'))).message).toMatch(/tag prefix/);
  });

  it('refuses invalid UTF-8 and keeps a leading BOM', () => {
    expect(decodeError(text(UID, hex('c3'))).message).toMatch(/UTF-8/);
    expect(decodeError(text(UID, hex('eda080'))).message).toMatch(/UTF-8/);
    expect(decodeBinary(text(UID, '\uFEFFx')).value).toBe('\uFEFFx');
  });

  it('refuses a length larger than what is left', () => {
    expect(decodeError(item(UID, 0x07, Buffer.from('abcd'), 0xffffffff)).message).toMatch(/exceeds/);
    expect(decodeError(structure(0x420078, item(UID, 0x07, Buffer.from('ab'), 9))).message).toMatch(/exceeds/);
  });

  it('refuses nesting deeper than maxDepth and input larger than maxBytes', () => {
    let deep: Buffer = integer(BATCH_COUNT, 1);
    for (let i = 0; i < 40; i++) deep = structure(0x420078, deep);
    expect(decodeError(deep).message).toMatch(/deeper than 32/);
    expect(() => decodeBinary(deep, { maxDepth: 64 })).not.toThrow();
    expect(decodeError(ok, { maxBytes: 8 }).message).toMatch(/exceeds the 8-byte limit/);
  });

  it('refuses DateTimes a Date cannot hold', () => {
    expect(decodeError(longInteger(0x420001, 1n << 62n, 0x09)).message).toMatch(/DateTime/);
  });

  it('returns ByteStrings that do not alias the input', () => {
    const wire = Buffer.from(bytes(0x4200c2, new Uint8Array([7, 7])));
    const node = decodeBinary(wire);
    wire[8] = 0;
    expect(node.value).toEqual(new Uint8Array([7, 7]));
  });
});

describe('binaryFrameLength', () => {
  it('gives the total length from the 8-byte header', () => {
    expect(binaryFrameLength(hex('42007b0100000010'))).toBe(24);
  });

  it('refuses headers that cannot start a KMIP message', () => {
    expect(() => binaryFrameLength(hex('42007b01000000'))).toThrow(KmipDecodeError);
    expect(() => binaryFrameLength(hex('42007b0200000004'))).toThrow(/not a Structure/);
    expect(() => binaryFrameLength(hex('42007b0100000011'))).toThrow(/multiple of 8/);
    expect(() => binaryFrameLength(hex('00007b0100000010'))).toThrow(/KMIP tag/);
    expect(() => binaryFrameLength(hex('42007b01ffffff00'))).toThrow(/limit/);
    expect(binaryFrameLength(hex('42007b01ffffff00'), { maxBytes: 2 ** 32 })).toBe(0xffffff08);
  });
});

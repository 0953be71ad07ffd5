/**
 * Byte builders for binary TTLV tests, written straight from KMIP 2.1 §9.1.1 (item =
 * 3-byte tag, 1-byte type, 4-byte big-endian length, value zero-padded to 8 bytes), so
 * the tests do not depend on the encoder they check.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';

export function item(tag: number, type: number, value: Uint8Array, declaredLength = value.length): Buffer {
  const pad = (8 - (value.length % 8)) % 8;
  const out = Buffer.alloc(8 + value.length + pad);
  out.writeUIntBE(tag, 0, 3);
  out[3] = type;
  out.writeUInt32BE(declaredLength, 4);
  out.set(value, 8);
  return out;
}

export function structure(tag: number, ...children: Uint8Array[]): Buffer {
  return item(tag, 0x01, Buffer.concat(children));
}

export function integer(tag: number, value: number): Buffer {
  const v = Buffer.alloc(4);
  v.writeInt32BE(value);
  return item(tag, 0x02, v);
}

export function enumeration(tag: number, value: number): Buffer {
  const v = Buffer.alloc(4);
  v.writeUInt32BE(value);
  return item(tag, 0x05, v);
}

export function longInteger(tag: number, value: bigint, type = 0x03): Buffer {
  const v = Buffer.alloc(8);
  v.writeBigInt64BE(value);
  return item(tag, type, v);
}

export function bool(tag: number, value: number): Buffer {
  const v = Buffer.alloc(8);
  v.writeUInt32BE(value, 4);
  return item(tag, 0x06, v);
}

export function text(tag: number, value: string | Uint8Array): Buffer {
  return item(tag, 0x07, typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
}

export function bytes(tag: number, value: Uint8Array): Buffer {
  return item(tag, 0x08, value);
}

export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/** A `.hex` fixture (one line of hex) beside the tests. */
export function readHexFixture(path: URL): Uint8Array {
  return new Uint8Array(hex(readFileSync(path, 'utf8')));
}

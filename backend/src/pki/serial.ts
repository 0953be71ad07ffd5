/**
 * Certificate serial numbers (RFC 5280 §4.1.2.2): positive, at most 20 octets, unique per
 * CA. Ours are 128 random bits from the CSPRNG (well above the CA/Browser Forum's 64),
 * which also makes them unpredictable; the unique (ca_id, serial_hex) index catches the
 * astronomically unlikely repeat, and the caller draws again.
 */
import { pooledRandomBytes } from './random.js';

export interface Serial {
  /** Unsigned big-endian magnitude, 16 bytes, first byte non-zero (so the hex is stable). */
  bytes: Buffer;
  /** Lower-case hex without separators, as stored. */
  hex: string;
}

export function randomSerial(): Serial {
  let bytes = pooledRandomBytes(16);
  while (bytes[0] === 0) bytes = pooledRandomBytes(16);
  return { bytes, hex: bytes.toString('hex') };
}

/** Accepts "0A:1b:…", "0a1b…", any case; returns the stored form (no leading zero bytes). */
export function normalizeSerialHex(input: string): string {
  const hex = input.replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) throw new RangeError('serial must be hexadecimal');
  const trimmed = hex.replace(/^0+/, '');
  const even = trimmed.length % 2 === 1 ? `0${trimmed}` : trimmed;
  return even === '' ? '00' : even;
}

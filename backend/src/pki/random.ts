/**
 * CSPRNG bytes drawn from a buffer refilled in blocks. Each `randomBytes` call is a trip into
 * OpenSSL's generator, which costs far more than the bytes when an issuance wants three small
 * draws (id, sequence, serial); Node's own `randomUUID` buffers the same way. Every byte is
 * handed out once, as a copy, so no two callers ever share or see each other's bytes.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

export function pooledRandomBytes(length: number): Buffer {
  if (length > POOL_BYTES) return randomFillSync(Buffer.alloc(length));
  if (offset + length > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + length));
  offset += length;
  return bytes;
}

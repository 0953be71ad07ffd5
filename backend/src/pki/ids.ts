/**
 * Time-ordered identifiers (UUID version 7, RFC 9562 §5.7): sorting by id sorts by
 * creation, which is what keyset pagination over `certificates` relies on.
 */
import { pooledRandomBytes } from './random.js';

let lastMs = 0;
let sequence = 0;

function startMillisecond(ms: number): number {
  lastMs = ms;
  sequence = pooledRandomBytes(2).readUInt16BE(0) & 0x07ff;
  return ms;
}

export function timeOrderedId(now = Date.now()): string {
  // Within one millisecond, a counter in the random bits keeps ids increasing; when its 12
  // bits run out (or the clock stepped back), the id borrows the next millisecond (RFC 9562 §6.2).
  if (now <= lastMs) {
    sequence++;
    now = lastMs;
    if (sequence > 0x0fff) now = startMillisecond(lastMs + 1);
  } else {
    startMillisecond(now);
  }
  const bytes = pooledRandomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | ((sequence >> 8) & 0x0f);
  bytes[7] = sequence & 0xff;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

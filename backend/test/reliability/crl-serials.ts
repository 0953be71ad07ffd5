/**
 * The serials a CRL lists, as openssl reads it (not our own parser): lower-case hex without
 * colons, as `certificates.serial_hex` stores them.
 */
import { spawnSync } from 'node:child_process';

import { normalizeSerialHex } from '../../src/pki/serial.js';

export function crlSerials(der: Uint8Array): string[] {
  const result = spawnSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: der, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl crl failed: ${result.stderr}`);
  return [...result.stdout.matchAll(/Serial Number: ([0-9A-Fa-f]+)/g)].map((match) =>
    normalizeSerialHex(match[1] ?? ''),
  );
}

/** What the server's OCSP responder says of a serial, as `openssl ocsp` reads it: good, revoked or unknown. */
export function ocspStatus(baseUrl: string, issuerPemFile: string, serialHex: string): string {
  const result = spawnSync(
    'openssl',
    ['ocsp', '-issuer', issuerPemFile, '-serial', `0x${serialHex}`, '-url', `${baseUrl}/ocsp`, '-noverify'],
    { encoding: 'utf8' },
  );
  return /: (good|revoked|unknown)/.exec(result.stdout)?.[1] ?? `${result.stdout}${result.stderr}`;
}

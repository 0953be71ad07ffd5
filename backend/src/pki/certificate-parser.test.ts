import { afterAll, describe, expect, it } from 'vitest';

import { parseCertificatesPem } from './certificate-parser.js';
import { normalizeSerialHex } from './serial.js';
import { run, scratchDir } from '../../test/harness/openssl.js';

const dir = scratchDir('pki-parser-');

afterAll(() => dir.remove());

/** A certificate openssl itself made with the given serial, and the serial as openssl prints it. */
function opensslCertificate(serial: string): { pem: string; printed: string } {
  const made = run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${dir.path}/key.pem`,
    '-subj',
    '/CN=Parser Serial',
    '-days',
    '1',
    '-set_serial',
    serial,
  ]);
  expect(made.status, made.output).toBe(0);
  const pem = made.output.slice(made.output.indexOf('-----BEGIN CERTIFICATE-----'));
  const printed = run('openssl', ['x509', '-noout', '-serial'], pem);
  expect(printed.status, printed.output).toBe(0);
  return { pem, printed: printed.output.trim().replace(/^serial=/, '') };
}

describe('parseCertificateDer serial', () => {
  it.each([
    ['a first byte below 0x10', '0x0d92dfbc1ee4e064c39d1804e37782b9'],
    ['a first byte with the high bit set', '0x80aa'],
    ['a one-byte serial', '0x05'],
    ['the serial 0', '0'],
  ])('gives the stored form for %s, the bytes openssl prints', (_, serial) => {
    const { pem, printed } = opensslCertificate(serial);
    const [certificate] = parseCertificatesPem(pem);

    expect(certificate?.serialHex).toBe(printed.toLowerCase());
    expect(certificate?.serialHex).toBe(normalizeSerialHex(printed));
  });
});

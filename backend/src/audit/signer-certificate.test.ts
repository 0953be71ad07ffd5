import { X509Certificate, generateKeyPairSync, sign } from 'node:crypto';

import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';

import { buildSignerCertificate, signerSerial } from './signer-certificate.js';

describe('signerSerial', () => {
  it('draws again when the first byte would be zero, so the DER INTEGER stays minimal', () => {
    const draws = [
      Uint8Array.from([0x80, 0x01, 0, 0, 0, 0, 0, 0]), // high bit cleared, it would be 0x00 0x01…
      Uint8Array.from([0x00, 0x7f, 0, 0, 0, 0, 0, 0]),
      Uint8Array.from([0xc5, 0x10, 0, 0, 0, 0, 0, 1]),
    ];
    let calls = 0;
    const serial = signerSerial(() => draws[calls++] as Uint8Array);
    expect(calls).toBe(3);
    expect([...serial]).toEqual([0x45, 0x10, 0, 0, 0, 0, 0, 1]);
    const encoded = new Uint8Array(new asn1js.Integer({ valueHex: serial }).toBER(false));
    expect([...encoded.slice(0, 3)]).toEqual([0x02, 0x08, 0x45]);
  });
});

describe('buildSignerCertificate', () => {
  it('makes a certificate OpenSSL parses, again and again', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    for (let round = 0; round < 20; round += 1) {
      const der = await buildSignerCertificate({
        subjectPublicKeyInfo: spki,
        scheme: 'ecdsa',
        sign: async (tbs) => new Uint8Array(sign('sha256', tbs, privateKey)),
        now: new Date('2026-12-03T00:00:00Z'),
      });
      const certificate = new X509Certificate(der);
      expect(certificate.verify(publicKey)).toBe(true);
      expect(certificate.serialNumber).toMatch(/^(0[1-9A-F]|[1-7][0-9A-F])[0-9A-F]{14}$/);
    }
  });
});

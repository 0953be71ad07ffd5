import { describe, expect, it } from 'vitest';

import {
  decodeGeneralNames,
  decodeNameDer,
  encodeGeneralName,
  encodeName,
  formatDn,
  parseSan,
  subjectToAttributes,
} from './names.js';
import * as der from './asn1/der-writer.js';

describe('subject alternative names', () => {
  it.each([
    ['dns:WWW.Example.test', 'dns:www.example.test'],
    ['dns:*.api.example.test', 'dns:*.api.example.test'],
    ['ip:192.0.2.1', 'ip:192.0.2.1'],
    ['ip:2001:DB8:0:0:0:0:0:1', 'ip:2001:db8::1'],
    ['ip:::ffff:192.0.2.1', 'ip:::ffff:c000:201'],
    ['email:ops@Example.test', 'email:ops@example.test'],
    ['uri:spiffe://example.test/ns/a', 'uri:spiffe://example.test/ns/a'],
  ])('%s normalizes to %s and round-trips through DER', (input, expected) => {
    const san = parseSan(input);
    expect(`${san.type}:${san.value}`).toBe(expected);
    expect(decodeGeneralNames(der.sequence(encodeGeneralName(san)))).toEqual([san]);
  });

  it.each([
    'dns:*.com',
    'dns:a.*.example.test',
    'dns:-bad.example.test',
    'dns:exa mple.test',
    'dns:ex\u0000ample.test',
    'dns:bücher.example',
    'ip:256.1.1.1',
    'ip:fe80::1%eth0',
    'email:no-at-sign',
    'email:a b@example.test',
    'uri:not a uri',
    'uri:https://example.test/<script>',
    'x400:whatever',
  ])('refuses %j with SAN_INVALID', (input) => {
    expect(() => parseSan(input)).toThrow(expect.objectContaining({ code: 'SAN_INVALID' }));
  });
});

describe('distinguished names', () => {
  it('encodes UTF8String (PrintableString for C), one attribute per RDN, and reads it back', () => {
    const attributes = subjectToAttributes({ commonName: 'Zoë, "the" CA', organization: 'Ex+ample', country: 'FR' });
    const encoded = encodeName(attributes);
    expect(decodeNameDer(encoded)).toEqual(attributes);
    expect(formatDn(attributes)).toBe('CN=Zoë\\, \\"the\\" CA,O=Ex\\+ample,C=FR');
    expect(encoded.includes(Buffer.from([0x13, 0x02, 0x46, 0x52]))).toBe(true);
    expect(encoded.includes(Buffer.from([0x0c]))).toBe(true);
  });

  it.each([
    [{ commonName: 'bell\u0007' }, 'control'],
    [{ commonName: 'rtl\u202eoverride' }, 'control'],
    [{ commonName: 'x'.repeat(65) }, 'longer'],
    [{ commonName: 'ok', country: 'fr' }, 'ISO 3166'],
  ])('refuses %j with NAME_INVALID', (subject, why) => {
    expect(() => subjectToAttributes(subject)).toThrow(
      expect.objectContaining({ code: 'NAME_INVALID', message: expect.stringContaining(why) }),
    );
  });
});

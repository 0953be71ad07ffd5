import { describe, expect, it } from 'vitest';

import { KmipEncodeError } from './encode-error.js';
import {
  attributeEnumerationTag,
  ENUMERATIONS,
  enumName,
  enumNumber,
  hasEnumeration,
  parseUsageMask,
} from './enums.js';

describe('enumeration registry', () => {
  it('uses the exact names of Cosmian 5.x JSON', () => {
    const expected: [string, string, number][] = [
      ['Operation', 'SignatureVerify', 0x22],
      ['Operation', 'DiscoverVersions', 0x1e],
      ['ObjectType', 'PrivateKey', 4],
      ['ObjectType', 'Template', 6],
      ['CryptographicAlgorithm', 'THREE_DES', 2],
      ['CryptographicAlgorithm', 'ECDH', 0xe],
      ['KeyFormatType', 'PKCS1', 3],
      ['KeyFormatType', 'TransparentECDSAPrivateKey', 0xe],
      ['ResultStatus', 'OperationFailed', 1],
      ['ResultReason', 'Item_Not_Found', 1],
      ['ResultReason', 'Permission_Denied', 0xc],
      ['ResultReason', 'General_Failure', 0x100],
      ['RevocationReasonCode', 'CessationOfOperation', 6],
      ['State', 'Destroyed_Compromised', 6],
      ['NameType', 'UninterpretedTextString', 1],
      ['LinkType', 'PublicKeyLink', 0x102],
      ['PaddingMethod', 'PKCS1v15', 8],
      ['HashingAlgorithm', 'SHA256', 6],
      ['MaskGeneratorHashingAlgorithm', 'SHA384', 7],
      ['DigitalSignatureAlgorithm', 'SHA256WithRSAEncryption', 5],
      ['DigitalSignatureAlgorithm', 'RSASSAPSS', 8],
      ['BlockCipherMode', 'GCM', 9],
      ['RecommendedCurve', 'P256', 7],
      ['RecommendedCurve', 'CURVEED25519', 0x80000001],
      ['QueryFunction', 'QueryServerInformation', 3],
      ['KeyCompressionType', 'ECPublicKeyTypeUncompressed', 1],
      ['ValidityIndicator', 'Valid', 1],
      ['UniqueIdentifier', 'IDPlaceholder', 1],
      ['KeyWrapType', 'AsRegistered', 2],
      ['CertificateType', 'X509', 1],
      ['AttributeReference', 'State', 0x42008d],
      ['ExpectedObjectType', 'SymmetricKey', 2],
    ];
    for (const [tag, name, number] of expected) {
      expect(enumNumber(tag, name), `${tag}.${name}`).toBe(number);
      expect(enumName(tag, number), `${tag}.${name}`).toBe(name);
    }
  });

  it('has one name per number in every enumeration', () => {
    for (const [enumeration, values] of Object.entries(ENUMERATIONS)) {
      const numbers = Object.values(values);
      expect(new Set(numbers).size, enumeration).toBe(numbers.length);
    }
  });

  it('passes numbers through and reads the 8-digit hex form', () => {
    expect(enumName('Operation', 0x7777)).toBe(0x7777);
    expect(enumName('NoSuchTag', 3)).toBe(3);
    expect(enumNumber('Operation', 0x7777)).toBe(0x7777);
    expect(enumNumber('Operation', '0x0000000A')).toBe(10);
    expect(enumNumber('NoSuchTag', '0x00000001')).toBe(1);
  });

  it('refuses unknown names and out-of-range numbers with a typed error', () => {
    expect(() => enumNumber('HashingAlgorithm', 'SHA_256')).toThrow(KmipEncodeError);
    expect(() => enumNumber('HashingAlgorithm', 'sha256')).toThrow(/unknown HashingAlgorithm/);
    expect(() => enumNumber('NoSuchTag', 'Foo')).toThrow(KmipEncodeError);
    expect(() => enumNumber('Operation', -1)).toThrow(KmipEncodeError);
    expect(() => enumNumber('Operation', 2 ** 32)).toThrow(KmipEncodeError);
    expect(() => enumNumber('Operation', '0xA')).toThrow(KmipEncodeError);
  });

  it('treats CryptographicUsageMask as an Integer mask, not an enumeration', () => {
    expect(hasEnumeration('CryptographicUsageMask')).toBe(false);
    expect(parseUsageMask('Sign')).toBe(1);
    expect(parseUsageMask('Sign|Verify')).toBe(3);
    expect(parseUsageMask('Encrypt Decrypt WrapKey UnwrapKey KeyAgreement')).toBe(2108);
    expect(parseUsageMask('Sign|Bogus')).toBeUndefined();
    expect(parseUsageMask('constructor')).toBeUndefined();
    expect(parseUsageMask('')).toBeUndefined();
  });

  it('finds the enumeration of a KMIP 1.x attribute from its name', () => {
    expect(attributeEnumerationTag('Cryptographic Algorithm')).toBe('CryptographicAlgorithm');
    expect(attributeEnumerationTag('Object Type')).toBe('ObjectType');
    expect(attributeEnumerationTag('Cryptographic Length')).toBeUndefined();
    expect(attributeEnumerationTag('x-custom')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';

import { KmsInvalidRequest } from '../errors.js';
import { KmipEncodeError } from './encode-error.js';
import { canonicalTag, isKnownTag, tagName, tagNumber, TAGS } from './tags.js';

describe('tag registry', () => {
  it('maps the names Cosmian writes to their KMIP numbers and back', () => {
    const expected: Record<string, number> = {
      RequestMessage: 0x420078,
      ResponseMessage: 0x42007b,
      UniqueBatchItemID: 0x420093,
      Qlength: 0x420073,
      IVCounterNonce: 0x42003d,
      RandomIV: 0x4200c5,
      Attributes: 0x420125,
      CommonAttributes: 0x420126,
      AttributeReference: 0x42013b,
      TemplateAttribute: 0x420091,
      CommonTemplateAttribute: 0x42001f,
      PrivateKeyTemplateAttribute: 0x420065,
      PublicKeyTemplateAttribute: 0x42006e,
      Attribute: 0x420008,
      AttributeName: 0x42000a,
      AttributeValue: 0x42000b,
      DigestedData: 0x420107,
      CertificateAttributes: 0x540001,
    };
    for (const [name, number] of Object.entries(expected)) {
      expect(tagNumber(name), name).toBe(number);
      expect(tagName(number), name).toBe(name);
    }
  });

  it('has one name per number', () => {
    const numbers = Object.values(TAGS);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('accepts hex tags and names unknown numbers in upper-case hex', () => {
    expect(tagNumber('0x420094')).toBe(0x420094);
    expect(tagNumber('0x54ff01')).toBe(0x54ff01);
    expect(tagName(0x54ff01)).toBe('0x54FF01');
    expect(tagName(0x4201ff)).toBe('0x4201FF');
    expect(canonicalTag('0x420094')).toBe('UniqueIdentifier');
    expect(canonicalTag('0x54ff01')).toBe('0x54FF01');
    expect(isKnownTag('UniqueIdentifier')).toBe(true);
    expect(isKnownTag('Cascade')).toBe(false);
  });

  it('refuses an unknown name with a typed error', () => {
    expect(() => tagNumber('Cascade')).toThrow(KmipEncodeError);
    expect(() => tagNumber('0x4200')).toThrow(KmsInvalidRequest);
  });
});

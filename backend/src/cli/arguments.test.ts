import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';

import {
  collectSans,
  parseDuration,
  parseEntity,
  parseInstant,
  parseNonNegativeInteger,
  parsePositiveInteger,
  parseReason,
  parseSerial,
} from './arguments.js';

describe('CLI argument parsers', () => {
  it.each([
    ['4F:1A:00:B2', '4f1a00b2'],
    ['4f1a00b2', '4f1a00b2'],
    ['00:8f:01', '8f01'],
    ['f01', '0f01'],
    ['0', '00'],
  ])('reads serial %s as %s', (input, expected) => {
    expect(parseSerial(input)).toBe(expected);
  });

  it.each(['xyz', '4f:1', '4f::1a', ':4f', '', '4f 1a'])('refuses serial %j', (input) => {
    expect(() => parseSerial(input)).toThrow(InvalidArgumentError);
  });

  it('reads reasons in any case and names the valid ones otherwise', () => {
    expect(parseReason('KeyCompromise')).toBe('keyCompromise');
    expect(() => parseReason('stolen')).toThrow(/keyCompromise, cACompromise/);
  });

  it.each([
    ['30d', 30 * 86_400_000],
    ['30', 30 * 86_400_000],
    ['12h', 12 * 3_600_000],
    ['2W', 14 * 86_400_000],
  ])('reads duration %s', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each(['0d', '-1d', '3m', 'soon', ''])('refuses duration %j', (input) => {
    expect(() => parseDuration(input)).toThrow(InvalidArgumentError);
  });

  it('counts strictly', () => {
    expect(parsePositiveInteger('90')).toBe(90);
    expect(() => parsePositiveInteger('0')).toThrow(InvalidArgumentError);
    expect(() => parsePositiveInteger('1.5')).toThrow(InvalidArgumentError);
    expect(() => parsePositiveInteger('1e3')).toThrow(InvalidArgumentError);
    expect(parseNonNegativeInteger('0')).toBe(0);
  });

  it('accumulates typed SANs from comma lists and repeated flags', () => {
    const first = collectSans('dns:www.example.com, IP:192.0.2.1');
    expect(collectSans('email:a@example.com', first)).toEqual([
      'dns:www.example.com',
      'ip:192.0.2.1',
      'email:a@example.com',
    ]);
    expect(collectSans('uri:https://example.com/a,b')).toEqual(['uri:https://example.com/a,b']);
    expect(() => collectSans('www.example.com')).toThrow(/expected dns:…, ip:…, email:…, uri:…/);
    expect(() => collectSans('dns:')).toThrow(InvalidArgumentError);
  });
});

describe('audit arguments', () => {
  it('reads --since as a duration back from now or an ISO instant', () => {
    const before = Date.now();
    const since = Date.parse(parseInstant('24h'));
    expect(since).toBeGreaterThanOrEqual(before - 86_400_000 - 1000);
    expect(since).toBeLessThanOrEqual(Date.now() - 86_400_000);
    expect(parseInstant('2026-11-01')).toBe('2026-11-01T00:00:00.000Z');
    expect(parseInstant('2026-11-01T08:00:00+01:00')).toBe('2026-11-01T07:00:00.000Z');
    expect(() => parseInstant('yesterday')).toThrow(/duration back from now/);
    expect(() => parseInstant('2026-13-45')).toThrow(/ISO instant/);
  });

  it('reads --entity as TYPE:ID, the id keeping its colons', () => {
    expect(parseEntity('certificate:abc')).toEqual({ type: 'certificate', id: 'abc' });
    expect(parseEntity('crl:ca:1')).toEqual({ type: 'crl', id: 'ca:1' });
    expect(() => parseEntity('certificate')).toThrow(/TYPE:ID/);
    expect(() => parseEntity(':abc')).toThrow(/TYPE:ID/);
  });
});

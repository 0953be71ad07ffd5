import { describe, expect, it } from 'vitest';

import { claimValues, mapRole } from './role-mapping.js';

const MAPPING = [
  { role: 'auditor', claimValue: 'pki-auditors' },
  { role: 'operator', claimValue: 'pki-operators' },
  { role: 'admin', claimValue: 'pki-admins' },
  { role: 'auditor', claimValue: 'security' },
] as const;

describe('mapRole', () => {
  it('maps a single string claim', () => {
    expect(mapRole('pki-operators', MAPPING)).toBe('operator');
  });

  it('gives the highest mapped role when several values match, whatever their order', () => {
    expect(mapRole(['pki-auditors', 'pki-admins', 'pki-operators'], MAPPING)).toBe('admin');
    expect(mapRole(['security', 'pki-operators'], MAPPING)).toBe('operator');
  });

  it('lets several claim values map to one role', () => {
    expect(mapRole(['staff', 'security'], MAPPING)).toBe('auditor');
  });

  it('gives no role when nothing matches or the claim is missing or not strings', () => {
    expect(mapRole(['staff'], MAPPING)).toBeUndefined();
    expect(mapRole(undefined, MAPPING)).toBeUndefined();
    expect(mapRole({ admin: true }, MAPPING)).toBeUndefined();
    expect(mapRole([1, null], MAPPING)).toBeUndefined();
  });

  it('matches values exactly, not by prefix or case', () => {
    expect(mapRole(['PKI-ADMINS', 'pki-admins-old'], MAPPING)).toBeUndefined();
  });
});

describe('claimValues', () => {
  it('keeps only the strings of an array', () => {
    expect(claimValues(['a', 2, 'b'])).toEqual(['a', 'b']);
  });
});

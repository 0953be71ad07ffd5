import { describe, expect, it } from 'vitest';

import { DEFAULT_VALUES, parseCreateCaForm } from './create-ca-form-values.js';

const root = { ...DEFAULT_VALUES, name: 'Root 2026', commonName: 'Example Root CA 2026' };

describe('parseCreateCaForm', () => {
  it('turns a valid root form into createRoot input, leaving empty optional fields out', () => {
    expect(parseCreateCaForm(root)).toEqual({
      isValid: true,
      request: {
        kind: 'root',
        input: {
          name: 'Root 2026',
          subject: { commonName: 'Example Root CA 2026' },
          algorithm: 'ec-p384',
          validityDays: 3650,
        },
      },
    });
  });

  it('names each wrong field: name characters, country code, validity', () => {
    const result = parseCreateCaForm({ ...root, name: 'bad/name', country: 'de', validityDays: 'ten' });
    expect(result.isValid).toBe(false);
    if (result.isValid) return;
    expect(result.errors.name).toMatch(/letters, digits/);
    expect(result.errors.country).toMatch(/two-letter/);
    expect(result.errors.validityDays).toBe('enter a whole number');
  });

  it('refuses a validity beyond thirty years and an empty common name', () => {
    const result = parseCreateCaForm({ ...root, commonName: ' ', validityDays: '20000' });
    expect(result.isValid).toBe(false);
    if (result.isValid) return;
    expect(Object.keys(result.errors).sort()).toEqual(['commonName', 'validityDays']);
  });

  it('asks an intermediate for its parent and checks the path length', () => {
    const missingParent = parseCreateCaForm({ ...root, kind: 'intermediate', pathLength: '9' });
    expect(missingParent.isValid).toBe(false);
    if (missingParent.isValid) return;
    expect(missingParent.errors.parentId).toBe('choose the CA that signs it');
    expect(missingParent.errors.pathLength).toBeDefined();
  });

  it('sends an intermediate with its parent, and no path length constraint when left empty', () => {
    const result = parseCreateCaForm({ ...root, kind: 'intermediate', parentId: 'ca-1', algorithm: 'rsa-3072' });
    expect(result).toMatchObject({
      isValid: true,
      request: { kind: 'intermediate', input: { parentId: 'ca-1', algorithm: 'rsa-3072', pathLength: null } },
    });
  });

  it('refuses RSA 2048 for a root, which the server only allows below one', () => {
    const result = parseCreateCaForm({ ...root, algorithm: 'rsa-2048' });
    expect(result.isValid).toBe(false);
  });
});

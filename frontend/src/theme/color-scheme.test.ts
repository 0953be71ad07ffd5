import { describe, expect, it } from 'vitest';

import { nextPreference, readPreference, storePreference } from './color-scheme.js';

function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

describe('colour scheme preference', () => {
  it('follows the system until a theme is pinned, and forgets the pin when back on system', () => {
    const storage = memoryStorage();
    expect(readPreference(storage)).toBe('system');
    storePreference(storage, 'dark');
    expect(readPreference(storage)).toBe('dark');
    storePreference(storage, 'system');
    expect(storage.items.size).toBe(0);
  });

  it('ignores a stored value it does not know, and storage that refuses to answer', () => {
    expect(readPreference(memoryStorage({ 'pki-color-scheme': 'sepia' }))).toBe('system');
    const refusing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(readPreference(refusing)).toBe('system');
  });

  it('cycles system → light → dark → system', () => {
    expect(nextPreference('system')).toBe('light');
    expect(nextPreference('light')).toBe('dark');
    expect(nextPreference('dark')).toBe('system');
  });
});

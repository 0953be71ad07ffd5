/**
 * Light and dark themes. The stylesheet's light-dark() colours follow the system setting on
 * their own; a pinned choice is the `data-theme` attribute on <html> (an attribute, so the
 * CSP's style-src is not involved), remembered in localStorage.
 */
export const COLOR_SCHEMES = ['system', 'light', 'dark'] as const;
export type ColorSchemePreference = (typeof COLOR_SCHEMES)[number];

const STORAGE_KEY = 'pki-color-scheme';

function isPreference(value: unknown): value is ColorSchemePreference {
  return (COLOR_SCHEMES as readonly unknown[]).includes(value);
}

export function readPreference(storage: Pick<Storage, 'getItem'> | undefined): ColorSchemePreference {
  try {
    const stored = storage?.getItem(STORAGE_KEY);
    return isPreference(stored) ? stored : 'system';
  } catch {
    // Storage can be refused (privacy settings); the system setting is a fine answer then.
    return 'system';
  }
}

export function storePreference(storage: Pick<Storage, 'setItem' | 'removeItem'>, preference: ColorSchemePreference) {
  try {
    if (preference === 'system') storage.removeItem(STORAGE_KEY);
    else storage.setItem(STORAGE_KEY, preference);
  } catch {
    // Not remembered across visits; the choice still applies to this page.
  }
}

export function applyPreference(root: HTMLElement, preference: ColorSchemePreference): void {
  if (preference === 'system') delete root.dataset.theme;
  else root.dataset.theme = preference;
}

/** The toggle cycles through the three choices in a fixed order. */
export function nextPreference(current: ColorSchemePreference): ColorSchemePreference {
  const index = COLOR_SCHEMES.indexOf(current);
  return COLOR_SCHEMES[(index + 1) % COLOR_SCHEMES.length] ?? 'system';
}

export const PREFERENCE_LABELS: Record<ColorSchemePreference, string> = {
  system: 'System theme',
  light: 'Light theme',
  dark: 'Dark theme',
};

import { useState } from 'react';

import {
  applyPreference,
  nextPreference,
  PREFERENCE_LABELS,
  readPreference,
  storePreference,
  type ColorSchemePreference,
} from './color-scheme.js';

const SYMBOLS: Record<ColorSchemePreference, string> = { system: '◐', light: '☀', dark: '☾' };

/** One button that cycles system → light → dark; its name says the current choice and the next. */
export function ThemeToggle() {
  const [preference, setPreference] = useState<ColorSchemePreference>(() => readPreference(window.localStorage));
  const next = nextPreference(preference);

  function choose(choice: ColorSchemePreference) {
    applyPreference(document.documentElement, choice);
    storePreference(window.localStorage, choice);
    setPreference(choice);
  }

  return (
    <button
      type="button"
      className="inline-flex h-8 cursor-pointer items-center gap-1.5 rounded-md border border-white/25 bg-transparent px-2.5 font-[inherit] text-sm text-[var(--color-header-text)] hover:bg-white/10"
      aria-label={`${PREFERENCE_LABELS[preference]}; switch to ${PREFERENCE_LABELS[next].toLowerCase()}`}
      title={`Switch to ${PREFERENCE_LABELS[next].toLowerCase()}`}
      onClick={() => choose(next)}
    >
      <span aria-hidden="true">{SYMBOLS[preference]}</span>
      <span>{PREFERENCE_LABELS[preference]}</span>
    </button>
  );
}

/**
 * Screenshots of a page at both widths and in both themes, written under e2e/screenshots/
 * (git-ignored) on every run, so anyone can look at the product after `pnpm test`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { Page } from 'playwright-core';

import { REPO_ROOT } from './server.js';

export const SCREENSHOTS_DIR = join(REPO_ROOT, 'e2e/screenshots');
export const SCREENSHOT_WIDTHS = [1280, 390] as const;
export const SCREENSHOT_THEMES = ['light', 'dark'] as const;

/** Restores the viewport and the light scheme afterwards. */
export async function captureEveryLook(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const original = page.viewportSize() ?? { width: 1280, height: 800 };
  const written: string[] = [];
  for (const width of SCREENSHOT_WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    for (const theme of SCREENSHOT_THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      const path = join(SCREENSHOTS_DIR, `${name}-${width}-${theme}.png`);
      await page.screenshot({ path, fullPage: true });
      written.push(path);
    }
  }
  await page.setViewportSize(original);
  await page.emulateMedia({ colorScheme: 'light' });
  return written;
}

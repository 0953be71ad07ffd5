/**
 * Every page each role is offered, signed in as that role: the navigation matches
 * src/console-pages.ts, axe-core finds no serious or critical violation, the page raises no
 * console error or CSP violation, and screenshots at 1280 and 390 px in light and dark land
 * under e2e/screenshots/ on every run; the sign-in page is scanned and screenshotted before anyone signs in.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createSettledUser, signInAsFirstAdmin, type Role } from '../src/api-session.js';
import { seriousAccessibilityViolations } from '../src/axe-scan.js';
import { launchChromium, watchPageProblems } from '../src/browser.js';
import { pagesFor } from '../src/console-pages.js';
import { captureEveryLook } from '../src/screenshots.js';
import { E2E_ADMIN, startBuiltApp, type RunningApp } from '../src/server.js';
import { signInThroughForm, UI_TIMEOUT_MS } from '../src/sign-in.js';

let app: RunningApp;
let browser: Browser;
const credentials = new Map<Role, { username: string; password: string }>();

beforeAll(async () => {
  app = await startBuiltApp();
  browser = await launchChromium();
  const admin = await signInAsFirstAdmin(app.baseUrl);
  credentials.set('admin', E2E_ADMIN);
  credentials.set('operator', await createSettledUser(admin, 'olivia-operator', 'operator'));
  credentials.set('auditor', await createSettledUser(admin, 'aude-auditor', 'auditor'));
  // Something to show: a CA (and so a key) makes the Keys and CA pages more than empty states.
  await admin.must('cas.createRoot', {
    name: 'Scan Root',
    subject: { commonName: 'Scan Root' },
    algorithm: 'ec-p384',
    validityDays: 365,
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('before signing in', () => {
  it('the sign-in page is free of serious accessibility violations, and screenshotted', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    // The shell's session check answers 401 before anyone signed in.
    const { problems } = watchPageProblems(page, { isUnauthenticatedApiExpected: true });
    try {
      await page.goto(`${app.baseUrl}/sign-in`);
      await page.getByRole('form', { name: 'Sign in with a password' }).waitFor({ timeout: UI_TIMEOUT_MS });
      await page.waitForLoadState('networkidle');
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await captureEveryLook(page, 'sign-in');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe.each(['admin', 'operator', 'auditor'] as const)('signed in as %s', (role) => {
  it('is offered exactly its pages, each free of serious accessibility violations, and screenshotted', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const { problems } = watchPageProblems(page);
    try {
      await page.goto(`${app.baseUrl}/sign-in`);
      const user = credentials.get(role);
      if (user === undefined) throw new Error(`no ${role} was created`);
      await signInThroughForm(page, user);
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: UI_TIMEOUT_MS });

      const navigation = page.getByRole('navigation', { name: 'Main' });
      expect(await navigation.getByRole('link').allTextContents()).toEqual(pagesFor(role).map((p) => p.label));

      const findings: Record<string, unknown> = {};
      for (const consolePage of pagesFor(role)) {
        await page.goto(`${app.baseUrl}${consolePage.path}`);
        await page.getByRole('heading', { level: 1 }).first().waitFor({ timeout: UI_TIMEOUT_MS });
        // Let the page's queries settle so the scan sees data, not skeletons.
        await page.waitForLoadState('networkidle');
        const violations = await seriousAccessibilityViolations(page);
        if (violations.length > 0) findings[consolePage.path] = violations;
        const name = `${role}${consolePage.path === '/' ? '-dashboard' : consolePage.path.replaceAll('/', '-')}`;
        await captureEveryLook(page, name);
      }
      expect(findings).toEqual({});
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 240_000);
});

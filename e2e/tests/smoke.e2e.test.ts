/**
 * Smoke test of issue 3, signed in since issue 11: the built app on its embedded default
 * serves the sign-in page, then the console with the KMS badge; every section renders, an
 * ended session leads to sign-in and back, and the page stays free of console errors and
 * CSP violations. Screenshots land in e2e/.artifacts/ for a human look.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium, watchPageProblems } from '../src/browser.js';
import { E2E_ADMIN, REPO_ROOT, startBuiltApp } from '../src/server.js';
import type { RunningApp } from '../src/server.js';
import { signInThroughForm, UI_TIMEOUT_MS } from '../src/sign-in.js';

const ARTIFACTS_DIR = join(REPO_ROOT, 'e2e/.artifacts');

/** What an admin is offered: every section. */
const SECTIONS = [
  { label: 'Dashboard', path: '/' },
  { label: 'Certificates', path: '/certificates' },
  { label: 'Certificate authorities', path: '/certificate-authorities' },
  { label: 'Keys', path: '/keys' },
  { label: 'Approvals', path: '/approvals' },
  { label: 'Audit log', path: '/audit-log' },
  { label: 'Users', path: '/users' },
] as const;

interface ReadinessBody {
  status: string;
  database: { state: string; detail?: string };
  keyStore: { state: string; detail?: string };
  reasons: string[];
}

let app: RunningApp;
let browser: Browser;

beforeAll(async () => {
  app = await startBuiltApp();
  browser = await launchChromium();
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

async function expectHeading(page: Page, text: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: text, exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
}

/** A fresh browser context (no cookie), signed in as the first admin on the dashboard. */
async function signedInPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${app.baseUrl}/sign-in`);
  await signInThroughForm(page, E2E_ADMIN);
  await expectHeading(page, 'Dashboard');
  return page;
}

describe('the built app on the embedded default', () => {
  it('answers GET /healthz with 200', async () => {
    const response = await fetch(`${app.baseUrl}/healthz`);
    expect(response.status).toBe(200);
  });

  it('answers GET /readyz with 200: the database and the embedded key store are up', async () => {
    const response = await fetch(`${app.baseUrl}/readyz`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as ReadinessBody;
    expect({ status: response.status, body }).toMatchObject({
      status: 200,
      body: { status: 'ready', database: { state: 'up' }, keyStore: { state: 'up' }, reasons: [] },
    });
  });

  it('serves the console under a strict content security policy', async () => {
    const response = await fetch(`${app.baseUrl}/`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe-inline');
    expect(await response.text()).toContain('<div id="root">');
  });

  it('sends a visitor to sign in, refuses a wrong password inline, and signs the admin in', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // The first visit asks auth.me, which answers 401 before anyone signed in.
    const { problems } = watchPageProblems(page, { isUnauthenticatedApiExpected: true });
    try {
      await page.goto(`${app.baseUrl}/`);
      await expectHeading(page, 'Sign in');
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      expect(await page.title()).toBe('Sign in · PKI Manager');
      await screenshot(page, 'sign-in');
      await page.emulateMedia({ colorScheme: 'dark' });
      await screenshot(page, 'sign-in-dark');
      await page.emulateMedia({ colorScheme: 'light' });

      await signInThroughForm(page, { username: E2E_ADMIN.username, password: 'not-the-admin-password' });
      const alert = page.getByRole('alert');
      await alert.waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await alert.textContent()).toMatch(/Request id: \S+/);
      await screenshot(page, 'sign-in-refused');

      await signInThroughForm(page, E2E_ADMIN);
      await expectHeading(page, 'Dashboard');
      const header = page.getByRole('banner');
      expect(await header.getByLabel(`Signed in as ${E2E_ADMIN.username}, role Admin`).textContent()).toContain(
        'Admin',
      );
      // The wrong password's 401 is let through with the others; anything else is a problem.
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows the navigation and the KMS badge, and every section renders without console errors', async () => {
    const page = await signedInPage();
    const { problems } = watchPageProblems(page);
    try {
      const navigation = page.getByRole('navigation', { name: 'Main' });
      await navigation.waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await navigation.getByRole('link').allTextContents()).toEqual(SECTIONS.map((section) => section.label));

      const badge = page.getByRole('status', { name: /^Key store local \(embedded\)/ });
      await badge.waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await badge.textContent()).toContain('local (embedded)');

      await expectHeading(page, 'Dashboard');
      const main = page.getByRole('main');
      await main.getByText('Uptime').waitFor({ timeout: UI_TIMEOUT_MS });
      const dashboardText = (await main.textContent()) ?? '';
      expect(dashboardText).toContain('local (embedded)');
      expect(dashboardText).toContain('Database');
      expect(dashboardText).toContain('production mode');
      await screenshot(page, 'dashboard');

      for (const section of SECTIONS.slice(1)) {
        await navigation.getByRole('link', { name: section.label, exact: true }).click();
        await expectHeading(page, section.label);
        expect(new URL(page.url()).pathname).toBe(section.path);
        expect(await page.title()).toBe(`${section.label} · PKI Manager`);
        const current = navigation.locator('[aria-current="page"]');
        expect(await current.allTextContents()).toEqual([section.label]);
        await screenshot(page, section.path.slice(1));
      }

      // Client-side routes survive a reload: the server answers them with the SPA, and the session cookie stays.
      await page.goto(`${app.baseUrl}/keys`);
      await expectHeading(page, 'Keys');
      await page.goto(`${app.baseUrl}/no-such-page`);
      await expectHeading(page, 'Page not found');

      // The theme toggle pins a theme over the system setting.
      await page.getByRole('button', { name: /^System theme; switch to light theme$/ }).click();
      await page.getByRole('button', { name: /^Light theme; switch to dark theme$/ }).click();
      expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
      await screenshot(page, 'not-found-dark');

      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('sends an ended session to sign-in and, after signing in, back to where the user was', async () => {
    const page = await signedInPage();
    const { problems } = watchPageProblems(page, { isUnauthenticatedApiExpected: true });
    try {
      // Fake timers in the page, so the badge's 30 s refresh can be brought forward.
      await page.clock.install();
      await page.goto(`${app.baseUrl}/certificates?view=expiring#top`);
      await expectHeading(page, 'Certificates');
      await page.getByRole('status', { name: /^Key store local \(embedded\)/ }).waitFor({ timeout: UI_TIMEOUT_MS });

      // The session ends on the server (as at idle expiry): the cookie the page holds is no longer valid.
      const signedOut = await page.evaluate(async () => {
        const response = await fetch('/trpc/auth.signOut', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'X-PKI-Request': '1' },
          body: '{}',
        });
        return response.status;
      });
      expect(signedOut).toBe(200);

      // The next API call (the badge's refresh) answers 401, and the console reacts to it.
      await page.clock.fastForward(31_000);
      await page.waitForURL((url) => url.pathname === '/sign-in', { timeout: UI_TIMEOUT_MS });
      const returnTo = new URL(page.url()).searchParams.get('returnTo');
      expect(returnTo).toBe('/certificates?view=expiring#top');
      await screenshot(page, 'sign-in-after-expiry');

      await signInThroughForm(page, E2E_ADMIN);
      await expectHeading(page, 'Certificates');
      const back = new URL(page.url());
      expect(`${back.pathname}${back.search}${back.hash}`).toBe('/certificates?view=expiring#top');

      // A direct visit with no session takes the other path: the shell's own session check.
      await page.context().clearCookies();
      await page.goto(`${app.baseUrl}/audit-log`);
      await expectHeading(page, 'Sign in');
      expect(new URL(page.url()).searchParams.get('returnTo')).toBe('/audit-log');
      await signInThroughForm(page, E2E_ADMIN);
      await expectHeading(page, 'Audit log');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await expectHeading(page, 'Sign in');
      await page.goto(`${app.baseUrl}/keys`);
      await expectHeading(page, 'Sign in');

      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('says when the server cannot be reached, and recovers when it can', async () => {
    const page = await signedInPage();
    try {
      // Cut the status API, as a broken proxy or a dropped connection would; the console and the session check load.
      await page.route('**/trpc/system.status*', (route) => route.abort('connectionrefused'));
      await page.goto(`${app.baseUrl}/`);

      const unavailableBadge = page.getByRole('status', {
        name: 'Key store status unavailable: the server did not answer',
      });
      await unavailableBadge.waitFor({ timeout: UI_TIMEOUT_MS });
      const alert = page.getByRole('alert');
      await alert.waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await alert.textContent()).toContain('the server did not answer');
      await screenshot(page, 'dashboard-unreachable');

      await page.unroute('**/trpc/system.status*');
      await alert.getByRole('button', { name: 'Try again' }).click();
      await page.getByRole('status', { name: /^Key store local \(embedded\)/ }).waitFor({ timeout: UI_TIMEOUT_MS });
      await page.getByRole('main').getByText('Uptime').waitFor({ timeout: UI_TIMEOUT_MS });
    } finally {
      await page.close();
    }
  });

  it('would notice a CSP violation (the watcher itself can fail)', async () => {
    const page = await signedInPage();
    // Expected 401s are let through; a CSP violation never is.
    const { problems } = watchPageProblems(page, { isUnauthenticatedApiExpected: true });
    try {
      await page.evaluate(() => {
        const style = document.createElement('style');
        style.textContent = 'body { outline: 1px solid red; }';
        document.head.append(style);
      });
      await expect.poll(() => problems.join('\n'), { timeout: UI_TIMEOUT_MS }).toMatch(/Content Security Policy/);
    } finally {
      await page.close();
    }
  });
});

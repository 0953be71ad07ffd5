/**
 * Smoke test of issue 3: the built app on its embedded default serves the console with the
 * KMS badge, every section renders, and the page stays free of console errors and CSP
 * violations. Screenshots land in e2e/.artifacts/ for a human look.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium, watchPageProblems } from '../src/browser.js';
import { REPO_ROOT, startBuiltApp } from '../src/server.js';
import type { RunningApp } from '../src/server.js';

const ARTIFACTS_DIR = join(REPO_ROOT, 'e2e/.artifacts');
const UI_TIMEOUT_MS = 10_000;

const SECTIONS = [
  { label: 'Dashboard', path: '/' },
  { label: 'Certificates', path: '/certificates' },
  { label: 'Certificate authorities', path: '/certificate-authorities' },
  { label: 'Keys', path: '/keys' },
  { label: 'Audit log', path: '/audit-log' },
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

  it('shows the navigation and the KMS badge, and every section renders without console errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const { problems } = watchPageProblems(page);
    try {
      await page.goto(`${app.baseUrl}/`);

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

      // Client-side routes survive a reload: the server answers them with the SPA.
      await page.goto(`${app.baseUrl}/keys`);
      await expectHeading(page, 'Keys');
      await page.goto(`${app.baseUrl}/no-such-page`);
      await expectHeading(page, 'Page not found');

      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('says when the server cannot be reached, and recovers when it can', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      // Cut only the API, as a broken proxy or a dropped connection would; the console itself loads.
      await page.route('**/trpc/**', (route) => route.abort('connectionrefused'));
      await page.goto(`${app.baseUrl}/`);

      const unavailableBadge = page.getByRole('status', {
        name: 'Key store status unavailable: the server did not answer',
      });
      await unavailableBadge.waitFor({ timeout: UI_TIMEOUT_MS });
      const alert = page.getByRole('alert');
      await alert.waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await alert.textContent()).toContain('the server did not answer');
      await screenshot(page, 'dashboard-unreachable');

      await page.unroute('**/trpc/**');
      await alert.getByRole('button', { name: 'Try again' }).click();
      await page.getByRole('status', { name: /^Key store local \(embedded\)/ }).waitFor({ timeout: UI_TIMEOUT_MS });
      await page.getByRole('main').getByText('Uptime').waitFor({ timeout: UI_TIMEOUT_MS });
    } finally {
      await page.close();
    }
  });

  it('would notice a CSP violation (the watcher itself can fail)', async () => {
    const page = await browser.newPage();
    const { problems } = watchPageProblems(page);
    try {
      await page.goto(`${app.baseUrl}/`);
      await expectHeading(page, 'Dashboard');
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

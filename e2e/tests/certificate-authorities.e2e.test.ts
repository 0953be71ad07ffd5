/**
 * Issue 13, the CA pages in the built app: an admin creates a root and an intermediate
 * through the console (seeing the key generation's progress), finds both in the hierarchy,
 * opens the intermediate and downloads its CRL, which openssl reads as a DER CRL.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium, watchPageProblems } from '../src/browser.js';
import { captureEveryLook } from '../src/screenshots.js';
import { E2E_ADMIN, startBuiltApp } from '../src/server.js';
import type { RunningApp } from '../src/server.js';
import { signInThroughForm, UI_TIMEOUT_MS } from '../src/sign-in.js';

/** RSA 4096 key generation in the embedded key store may take several seconds on this machine. */
const KEY_GENERATION_TIMEOUT_MS = 120_000;

let app: RunningApp;
let browser: Browser;
let downloads: string;

beforeAll(async () => {
  app = await startBuiltApp();
  browser = await launchChromium();
  downloads = mkdtempSync(join(tmpdir(), 'pki-e2e-crl-'));
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  if (downloads !== undefined) rmSync(downloads, { recursive: true, force: true });
});

async function createCa(
  page: Page,
  ca: { kind: 'Root CA' | 'Intermediate CA'; name: string; commonName: string; algorithm?: string },
): Promise<void> {
  await page.getByRole('button', { name: 'Create CA', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a certificate authority' });
  await dialog.waitFor({ timeout: UI_TIMEOUT_MS });
  await dialog.getByLabel(ca.kind).check();
  await dialog.getByLabel('Name', { exact: true }).fill(ca.name);
  await dialog.getByLabel('Common name').fill(ca.commonName);
  if (ca.kind === 'Intermediate CA') expect(await dialog.getByLabel('Validity (days)').inputValue()).toBe('1825');
  if (ca.algorithm !== undefined) await dialog.getByLabel('Key algorithm').selectOption({ label: ca.algorithm });
  await dialog
    .getByRole('button', { name: ca.kind === 'Root CA' ? 'Create root CA' : 'Create intermediate CA' })
    .click();
  // The one call runs while the key store generates the key: the progress shows meanwhile.
  await dialog.getByRole('progressbar', { name: 'Generating the CA key in the key store' }).waitFor({
    timeout: UI_TIMEOUT_MS,
  });
  await dialog.waitFor({ state: 'detached', timeout: KEY_GENERATION_TIMEOUT_MS });
}

describe('certificate authorities in the console', () => {
  it('an admin creates a root and an intermediate, sees the tree, opens the CA and downloads its CRL', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const { problems } = watchPageProblems(page);
    try {
      await page.goto(`${app.baseUrl}/sign-in`);
      await signInThroughForm(page, E2E_ADMIN);
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: UI_TIMEOUT_MS });
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Certificate authorities' })
        .click();
      await page
        .getByRole('heading', { level: 1, name: 'Certificate authorities' })
        .waitFor({ timeout: UI_TIMEOUT_MS });

      await createCa(page, { kind: 'Root CA', name: 'e2e-root', commonName: 'E2E Root CA', algorithm: 'RSA 4096' });
      await createCa(page, {
        kind: 'Intermediate CA',
        name: 'e2e-issuing',
        commonName: 'E2E Issuing CA',
        algorithm: 'RSA 4096',
      });

      const tree = page.getByRole('treegrid', { name: 'Certificate authority hierarchy' });
      const rootRow = tree.getByRole('row').filter({ hasText: 'e2e-root' });
      const issuingRow = tree.getByRole('row').filter({ hasText: 'e2e-issuing' });
      await issuingRow.waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await rootRow.getAttribute('aria-level')).toBe('1');
      expect(await issuingRow.getAttribute('aria-level')).toBe('2');
      expect(await rootRow.getAttribute('aria-expanded')).toBe('true');

      await issuingRow.click();
      await page.getByRole('heading', { level: 1, name: 'e2e-issuing' }).waitFor({ timeout: UI_TIMEOUT_MS });
      const main = page.getByRole('main');
      await main.getByText('CN=E2E Issuing CA').waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await main.getByRole('link', { name: 'e2e-root' }).count()).toBe(1);
      await captureEveryLook(page, 'admin-ca-detail');

      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: UI_TIMEOUT_MS }),
        main.getByRole('button', { name: 'Download CRL' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('e2e-issuing.crl');
      const crlFile = join(downloads, 'e2e-issuing.crl');
      await download.saveAs(crlFile);
      const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text', '-in', crlFile], {
        encoding: 'utf8',
      });
      expect(text).toContain('Certificate Revocation List');
      expect(text).toMatch(/Issuer: CN ?= ?E2E Issuing CA/);

      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 240_000);
});

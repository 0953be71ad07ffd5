/**
 * Issue 13, journeys 1 and 2 (its first half; dual control is dual-control.e2e.test.ts).
 * Journey 1: an operator, made by an admin through the API, signs in through the form,
 * pastes a CSR made by `openssl req` into the issue wizard, reads the parsed preview,
 * issues a tls-server certificate and downloads it and its chain, which `openssl verify`
 * accepts against the root; then issues with a key made in the key store and downloads the
 * PKCS#12 once, which `openssl pkcs12` opens with the password (and a second download is refused).
 * Journey 2: an admin revokes that certificate in its detail page, with the reason in the
 * confirmation dialog; the state changes on screen, the served CRL lists the serial and
 * `openssl ocsp` says revoked.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createSettledUser, signInAsFirstAdmin } from '../src/api-session.js';
import { launchChromium, watchPageProblems } from '../src/browser.js';
import { createCaHierarchy, type CaHierarchy } from '../src/ca-hierarchy.js';
import { makeCsr, openssl, opensslMust } from '../src/openssl.js';
import { captureEveryLook } from '../src/screenshots.js';
import { E2E_ADMIN, startBuiltApp, type RunningApp } from '../src/server.js';
import { signInInNewContext, UI_TIMEOUT_MS } from '../src/sign-in.js';

const LEAF_NAME = 'www.journey.example';
const LEAF_SANS = [LEAF_NAME, 'api.journey.example'];
const SERVER_KEY_NAME = 'app.journey.example';
const PKCS12_PASSWORD = 'journey-p12-Brass-9031';

let app: RunningApp;
let browser: Browser;
let files: string;
let cas: CaHierarchy;
let operator: { username: string; password: string };
/** Journey 1's certificate, which journey 2 revokes. */
let issued: { serialHex: string; leafPath: string } | undefined;

beforeAll(async () => {
  app = await startBuiltApp();
  browser = await launchChromium();
  files = mkdtempSync(join(tmpdir(), 'pki-e2e-issuance-'));
  const admin = await signInAsFirstAdmin(app.baseUrl);
  operator = await createSettledUser(admin, 'oscar-operator', 'operator');
  cas = await createCaHierarchy(admin, files);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  if (files !== undefined) rmSync(files, { recursive: true, force: true });
});

/** Clicks a download button and keeps the file under its suggested name. */
async function download(page: Page, buttonName: string): Promise<string> {
  const [saved] = await Promise.all([
    page.waitForEvent('download', { timeout: UI_TIMEOUT_MS }),
    page.getByRole('button', { name: buttonName, exact: true }).click(),
  ]);
  const path = join(files, saved.suggestedFilename());
  await saved.saveAs(path);
  return path;
}

async function openIssueWizard(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Certificates' }).click();
  await page.getByRole('heading', { level: 1, name: 'Certificates' }).waitFor({ timeout: UI_TIMEOUT_MS });
  await page.getByRole('link', { name: 'Issue a certificate' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Issue a certificate' }).waitFor({ timeout: UI_TIMEOUT_MS });
  await page.getByLabel('Issuing CA').selectOption({ label: cas.issuing.name });
  await page.getByLabel('Profile').selectOption({ label: 'TLS server' });
}

/** Review, then issue: the result page names the serial. */
async function reviewAndIssue(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Issue certificate' }).click();
  await page.getByRole('heading', { level: 1, name: 'Certificate issued' }).waitFor({ timeout: UI_TIMEOUT_MS });
  const serialLine = (await page.getByText(/^Serial [0-9A-Fa-f:]+$/).textContent()) ?? '';
  return serialLine.replace(/^Serial /, '');
}

/** openssl prints serials as bare upper-case hex in whole bytes ("0D92…", never "D92…"). */
function bareSerial(serialHex: string): string {
  return serialHex.trim().replaceAll(':', '').toUpperCase();
}

/** A second PKCS#12 download is refused by the server: that one answer is expected, nothing else is. */
function unexpected(problems: string[]): string[] {
  return problems.filter(
    (problem) =>
      !/^HTTP 4\d\d: POST [^ ]+\/trpc\/certificates\.export/.test(problem) &&
      !/^console error: Failed to load resource: the server responded with a status of 4\d\d\b/.test(problem),
  );
}

/** What the page counts while the wizard asks for a new preview (journey 1). */
interface PreviewRemovals {
  previewRemovals: number;
}

describe('journey 1: an operator issues certificates in the console', () => {
  it('pastes an openssl CSR, sees the parsed preview, issues a tls-server certificate and downloads what openssl verifies', async () => {
    const csrPem = readFileSync(makeCsr(files, LEAF_NAME, LEAF_SANS), 'utf8');
    const page = await signInInNewContext(browser, app.baseUrl, operator);
    const { problems } = watchPageProblems(page);
    try {
      await openIssueWizard(page);
      await page.getByLabel('From a CSR').check();
      await page.getByLabel('CSR (PEM)').fill(csrPem);

      const preview = page.getByRole('region', { name: 'Parsed request' });
      await preview.waitFor({ timeout: UI_TIMEOUT_MS });
      await preview.getByRole('status').filter({ hasText: 'accepts this request' }).waitFor({ timeout: UI_TIMEOUT_MS });
      const previewText = (await preview.textContent()) ?? '';
      expect(previewText).toContain(`CN=${LEAF_NAME}`);
      for (const name of LEAF_SANS) expect(previewText).toContain(name);
      expect(previewText).toContain('RSA 2048');
      expect(previewText).toMatch(/Signature\s*valid/);
      await page.getByRole('region', { name: 'TLS server allows' }).waitFor();

      // Asking again (another profile, then back) keeps the parsed request on screen while the
      // server answers: the panel is never taken out of the page and put back.
      await page.evaluate(() => {
        const counter = window as unknown as PreviewRemovals;
        counter.previewRemovals = 0;
        const isPreview = (node: Node) =>
          node instanceof Element &&
          (node.matches('[aria-labelledby=csr-preview-title]') ||
            node.querySelector('[aria-labelledby=csr-preview-title]') !== null);
        new MutationObserver((records) => {
          for (const record of records)
            counter.previewRemovals += Array.from(record.removedNodes).filter(isPreview).length;
        }).observe(document.body, { childList: true, subtree: true });
      });
      const profileSelect = page.getByRole('combobox', { name: /^Profile/ });
      await profileSelect.selectOption('tls-client');
      await preview.getByRole('status').filter({ hasText: 'Profile tls-client' }).waitFor({ timeout: UI_TIMEOUT_MS });
      await profileSelect.selectOption('tls-server');
      await preview
        .getByRole('status')
        .filter({ hasText: 'Profile tls-server accepts' })
        .waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await page.evaluate(() => (window as unknown as PreviewRemovals).previewRemovals)).toBe(0);
      await captureEveryLook(page, 'operator-issue-wizard-csr');

      const serialHex = await reviewAndIssue(page);
      await captureEveryLook(page, 'operator-certificate-issued');
      const leafPath = await download(page, 'PEM');
      const chainPath = await download(page, 'Full chain');
      expect(readFileSync(chainPath, 'utf8').match(/BEGIN CERTIFICATE/g)?.length ?? 0).toBeGreaterThanOrEqual(2);

      // Root as the only trust anchor; the intermediate comes from the downloaded chain.
      const verified = opensslMust([
        'verify',
        '-purpose',
        'sslserver',
        '-CAfile',
        cas.root.pemPath,
        '-untrusted',
        chainPath,
        leafPath,
      ]);
      expect(verified).toContain(': OK');
      const leafText = opensslMust(['x509', '-in', leafPath, '-noout', '-text']);
      expect(leafText).toContain(`DNS:${LEAF_NAME}`);
      expect(leafText).toContain('TLS Web Server Authentication');
      expect(bareSerial(opensslMust(['x509', '-in', leafPath, '-noout', '-serial']).replace('serial=', ''))).toBe(
        bareSerial(serialHex),
      );
      // Without the intermediate, the root alone does not vouch for the leaf: the check can fail.
      expect(openssl(['verify', '-CAfile', cas.root.pemPath, leafPath]).code).not.toBe(0);

      issued = { serialHex, leafPath };
      expect(problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 120_000);

  it('issues with a key made in the key store and downloads the PKCS#12 once, which openssl opens', async () => {
    const page = await signInInNewContext(browser, app.baseUrl, operator);
    const { problems } = watchPageProblems(page);
    try {
      await openIssueWizard(page);
      await page.getByLabel('Generate a key in the key store').check();
      await page.getByLabel('Common name').fill(SERVER_KEY_NAME);
      await page.getByLabel('Key algorithm').selectOption({ label: 'ec-p256' });
      await page.getByLabel('Allow one PKCS#12 download').check();
      await page.getByRole('button', { name: 'Add name' }).click();
      await page.getByLabel('Type of name 1').selectOption({ label: 'DNS' });
      await page.getByLabel('Name 1', { exact: true }).fill(SERVER_KEY_NAME);
      await reviewAndIssue(page);

      const keySection = page.getByRole('region', { name: 'Private key (PKCS#12)' });
      await keySection.getByText('only once').waitFor();
      await keySection.getByLabel(/^Password for the file/).fill(PKCS12_PASSWORD);
      const p12Path = await download(page, 'Download PKCS#12 once');

      const opened = opensslMust(['pkcs12', '-info', '-in', p12Path, '-passin', `pass:${PKCS12_PASSWORD}`, '-nodes']);
      expect(opened).toContain('BEGIN CERTIFICATE');
      expect(opened).toContain('PRIVATE KEY');
      expect(opened).toContain(`subject=CN = ${SERVER_KEY_NAME}`);
      expect(openssl(['pkcs12', '-info', '-in', p12Path, '-passin', 'pass:not-the-password', '-nodes']).code).not.toBe(
        0,
      );

      // Once means once: the key store kept no exportable copy.
      await page.getByRole('button', { name: 'Download PKCS#12 once', exact: true }).click();
      await page.getByText(/^Could not download .*\.p12$/).waitFor({ timeout: UI_TIMEOUT_MS });
      expect(unexpected(problems)).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 120_000);
});

describe('journey 2: an admin revokes that certificate in the console', () => {
  it('revokes with a reason in the confirmation dialog; the page, the CRL and OCSP all say revoked', async () => {
    if (issued === undefined) throw new Error('journey 1 issued no certificate to revoke');
    const { serialHex, leafPath } = issued;
    const page = await signInInNewContext(browser, app.baseUrl, E2E_ADMIN);
    const { problems } = watchPageProblems(page);
    try {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Certificates' }).click();
      await page.getByRole('link', { name: LEAF_NAME, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: LEAF_NAME }).waitFor({ timeout: UI_TIMEOUT_MS });
      const state = page.getByRole('region', { name: 'State' });
      await state.getByText('active', { exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
      await captureEveryLook(page, 'admin-certificate-detail');

      await page.getByRole('button', { name: 'Revoke', exact: true }).click();
      const dialog = page.getByRole('alertdialog', { name: 'Revoke this certificate?' });
      await dialog.waitFor({ timeout: UI_TIMEOUT_MS });
      await dialog.getByLabel('Reason').selectOption('keyCompromise');
      await dialog.getByRole('button', { name: 'Revoke certificate' }).click();
      await dialog.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
      await state.getByText('revoked', { exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await state.textContent()).toContain('(keyCompromise)');
      expect(await page.getByRole('button', { name: 'Revoke', exact: true }).count()).toBe(0);

      // The CRL is re-signed after the revocation is committed; poll the served one until it lists the serial.
      const crlPath = join(files, 'issuing.crl');
      await expect
        .poll(
          async () => {
            const response = await fetch(`${app.baseUrl}/crl/${cas.issuing.id}.crl`);
            writeFileSync(crlPath, Buffer.from(await response.arrayBuffer()));
            return opensslMust(['crl', '-inform', 'DER', '-in', crlPath, '-noout', '-text']);
          },
          { timeout: UI_TIMEOUT_MS },
        )
        .toContain(`Serial Number: ${bareSerial(serialHex)}`);
      expect(opensslMust(['crl', '-inform', 'DER', '-in', crlPath, '-noout', '-text'])).toContain('Key Compromise');

      const trustPath = join(files, 'cas.pem');
      writeFileSync(trustPath, readFileSync(cas.root.pemPath, 'utf8') + readFileSync(cas.issuing.pemPath, 'utf8'));
      const ocsp = opensslMust([
        'ocsp',
        '-issuer',
        cas.issuing.pemPath,
        '-cert',
        leafPath,
        '-url',
        `${app.baseUrl}/ocsp`,
        '-CAfile',
        trustPath,
      ]);
      expect(ocsp).toContain('Response verify OK');
      expect(ocsp).toContain(`${leafPath}: revoked`);

      expect(problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 120_000);
});

/**
 * Issue 13, journey 3, audit review: after an operator issued and revoked a certificate
 * (journeys 1 and 2, done here through the API), an auditor signs in through the form,
 * filters the audit log to that certificate's operations (the filters live in the URL),
 * exports NDJSON and the signer certificate, and the built `pki audit verify --file
 * --signer` accepts the export offline (and refuses an edited copy). In the console the
 * verification passes in the banner. The auditor is offered no issue, revoke or destroy
 * action, and a revocation sent from the page with the auditor's own session is refused with 403.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ApiSession, createSettledUser, signInAsFirstAdmin } from '../src/api-session.js';
import { launchChromium, watchPageProblems } from '../src/browser.js';
import { createCaHierarchy, type CaHierarchy } from '../src/ca-hierarchy.js';
import { makeCsr } from '../src/openssl.js';
import { runPki } from '../src/pki-cli.js';
import { captureEveryLook } from '../src/screenshots.js';
import { startBuiltApp, type RunningApp } from '../src/server.js';
import { signInInNewContext, UI_TIMEOUT_MS } from '../src/sign-in.js';

interface IssuedCertificate {
  id: string;
  serialHex: string;
  commonName: string;
}

let app: RunningApp;
let browser: Browser;
let files: string;
let cas: CaHierarchy;
let auditor: { username: string; password: string };
let admin: ApiSession;
/** Issued and then revoked by the operator: the operations the auditor reviews. */
let revoked: IssuedCertificate;
/** Still active: what the auditor could revoke if the console or the API let them. */
let active: IssuedCertificate;

async function issue(operator: ApiSession, commonName: string): Promise<IssuedCertificate> {
  const csr = readFileSync(makeCsr(files, commonName, [commonName]), 'utf8');
  const answer = await operator.must<{ certificate: { id: string; serialHex: string } }>('certificates.issueFromCsr', {
    caId: cas.issuing.id,
    profile: 'tls-server',
    csr,
  });
  return { id: answer.certificate.id, serialHex: answer.certificate.serialHex, commonName };
}

beforeAll(async () => {
  app = await startBuiltApp();
  browser = await launchChromium();
  files = mkdtempSync(join(tmpdir(), 'pki-e2e-audit-'));
  admin = await signInAsFirstAdmin(app.baseUrl);
  const operatorUser = await createSettledUser(admin, 'oona-operator', 'operator');
  auditor = await createSettledUser(admin, 'audrey-auditor', 'auditor');
  cas = await createCaHierarchy(admin, files);
  const operator = await ApiSession.signIn(app.baseUrl, operatorUser);
  revoked = await issue(operator, 'reviewed.journey.example');
  active = await issue(operator, 'untouched.journey.example');
  await operator.must('certificates.revoke', { id: revoked.id, reason: 'keyCompromise' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  if (files !== undefined) rmSync(files, { recursive: true, force: true });
});

async function saveDownload(page: Page, start: () => Promise<void>): Promise<string> {
  const [saved] = await Promise.all([page.waitForEvent('download', { timeout: UI_TIMEOUT_MS }), start()]);
  const path = join(files, saved.suggestedFilename());
  await saved.saveAs(path);
  return path;
}

/** The operations of the rows the table shows, newest first. */
async function shownOperations(page: Page): Promise<string[]> {
  const table = page.getByRole('grid', { name: 'Audit rows' }).or(page.getByRole('table', { name: 'Audit rows' }));
  await table.waitFor({ timeout: UI_TIMEOUT_MS });
  return table.locator('tbody tr code').allTextContents();
}

/** The auditor's refused revocation is the one answer this test provokes; anything else is a problem. */
function unexpected(problems: string[]): string[] {
  return problems.filter(
    (problem) =>
      !/^HTTP 403: POST [^ ]+\/trpc\/certificates\.revoke/.test(problem) &&
      !/^console error: Failed to load resource: the server responded with a status of 403\b/.test(problem),
  );
}

describe('journey 3: an auditor reviews the audit log', () => {
  it('filters to the journey, exports NDJSON that the offline verifier accepts, and sees verification pass', async () => {
    const page = await signInInNewContext(browser, app.baseUrl, auditor);
    const { problems } = watchPageProblems(page);
    try {
      const navigation = page.getByRole('navigation', { name: 'Main' });
      await navigation.getByRole('link', { name: 'Audit log' }).click();
      await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor({ timeout: UI_TIMEOUT_MS });

      const filters = page.getByRole('form', { name: 'Filter the audit log' });
      await filters.getByLabel('Entity type').fill('certificate');
      await filters.getByLabel('Entity id').fill(revoked.id);
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      await page.waitForURL((url) => url.searchParams.get('entityId') === revoked.id, { timeout: UI_TIMEOUT_MS });
      expect(new URL(page.url()).searchParams.get('entityType')).toBe('certificate');
      await expect
        .poll(() => shownOperations(page), { timeout: UI_TIMEOUT_MS })
        .toEqual(['certificate.revoke', 'certificate.issue']);

      // The URL alone carries the view: a reload (or a colleague given the link) sees the same rows.
      await page.reload();
      await expect
        .poll(() => shownOperations(page), { timeout: UI_TIMEOUT_MS })
        .toEqual(['certificate.revoke', 'certificate.issue']);
      expect(await filters.getByLabel('Entity id').inputValue()).toBe(revoked.id);

      const exportPath = await saveDownload(page, () => page.getByRole('button', { name: 'Export NDJSON' }).click());
      await page
        .getByRole('status')
        .filter({ hasText: /^Exported \d+ rows/ })
        .waitFor({ timeout: UI_TIMEOUT_MS });
      const signerPath = await saveDownload(page, () =>
        page.getByRole('link', { name: 'Download the audit signer certificate (PEM)' }).click(),
      );
      const exported = readFileSync(exportPath, 'utf8');
      expect(exported).toContain('"certificate.issue"');
      expect(exported).toContain('"certificate.revoke"');
      expect(readFileSync(signerPath, 'utf8')).toContain('BEGIN CERTIFICATE');

      const intact = runPki(['audit', 'verify', '--file', exportPath, '--signer', signerPath]);
      expect(intact, intact.stderr).toMatchObject({ code: 0 });
      // The verifier is a real check: the same export with one row's operation edited is refused.
      const editedPath = join(files, 'audit-log-edited.ndjson');
      writeFileSync(editedPath, exported.replace('"certificate.revoke"', '"certificate.renew"'));
      const edited = runPki(['audit', 'verify', '--file', editedPath, '--signer', signerPath]);
      expect(edited.code).toBe(1);

      await page.getByRole('button', { name: 'Verify the audit log' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /^Verified through row \d+/ })
        .waitFor({ timeout: UI_TIMEOUT_MS });
      await captureEveryLook(page, 'auditor-audit-log-verified');

      expect(problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 120_000);

  it('is offered no issue, revoke or destroy action, and the API refuses a revocation from the page with 403', async () => {
    const page = await signInInNewContext(browser, app.baseUrl, auditor);
    const { problems } = watchPageProblems(page);
    try {
      const navigation = page.getByRole('navigation', { name: 'Main' });
      expect(await navigation.getByRole('link').allTextContents()).toEqual([
        'Dashboard',
        'Certificates',
        'Certificate authorities',
        'Audit log',
      ]);

      await navigation.getByRole('link', { name: 'Certificates' }).click();
      await page.getByRole('link', { name: active.commonName, exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await page.getByRole('link', { name: /issue a certificate/i }).count()).toBe(0);

      await page.getByRole('link', { name: active.commonName, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: active.commonName }).waitFor({ timeout: UI_TIMEOUT_MS });
      await page.getByRole('region', { name: 'State' }).getByText('active', { exact: true }).waitFor();
      expect(await page.getByRole('button', { name: /revoke/i }).count()).toBe(0);

      await page.goto(`${app.baseUrl}/certificates/issue`);
      await page.getByText('Your role may not issue certificates').waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await page.getByRole('button', { name: 'Issue certificate' }).count()).toBe(0);

      await page.goto(`${app.baseUrl}/certificate-authorities/${cas.issuing.id}`);
      await page.getByRole('heading', { level: 1, name: cas.issuing.name }).waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await page.getByRole('button', { name: /revoke|create ca/i }).count()).toBe(0);

      await page.goto(`${app.baseUrl}/keys`);
      await page.getByRole('heading', { level: 1, name: 'Not available to your role' }).waitFor({
        timeout: UI_TIMEOUT_MS,
      });
      expect(await page.getByRole('button', { name: /destroy|revoke/i }).count()).toBe(0);

      // Not offered is not enough: the same call the console would make, with the auditor's cookie and marker, is refused.
      const refusal = await page.evaluate(async (id) => {
        const response = await fetch('/trpc/certificates.revoke', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json', 'X-PKI-Request': '1' },
          body: JSON.stringify({ id, reason: 'superseded' }),
        });
        const body = (await response.json()) as { error?: { data?: { code?: string } } };
        return { status: response.status, code: body.error?.data?.code };
      }, active.id);
      expect(refusal).toEqual({ status: 403, code: 'FORBIDDEN' });
      const stillActive = await admin.query<{ certificate: { status: string } }>('certificates.describe', {
        id: active.id,
      });
      expect(stillActive.data?.certificate.status).toBe('active');

      expect(unexpected(problems)).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 120_000);
});

/**
 * Journey 2, the dual-control half: with dual control on, an admin requests a key's
 * destruction in the console and sees it pending; a second admin, in another browser
 * context, approves it under Approvals; the key then shows destroyed. The requester is not
 * offered a decision on their own request.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createSettledUser, signInAsFirstAdmin, type ApiSession } from '../src/api-session.js';
import { launchChromium, watchPageProblems } from '../src/browser.js';
import { E2E_ADMIN, startBuiltApp, type RunningApp } from '../src/server.js';
import { signInThroughForm, UI_TIMEOUT_MS } from '../src/sign-in.js';

let app: RunningApp;
let browser: Browser;
let admin: ApiSession;
let secondAdmin: { username: string; password: string };
let caKey: { id: string; label: string };

beforeAll(async () => {
  app = await startBuiltApp();
  browser = await launchChromium();
  admin = await signInAsFirstAdmin(app.baseUrl);
  secondAdmin = await createSettledUser(admin, 'bruno-admin', 'admin');
  const root = await admin.must<{ keyId: string }>('cas.createRoot', {
    name: 'Doomed Root',
    subject: { commonName: 'Doomed Root' },
    algorithm: 'ec-p384',
    validityDays: 365,
  });
  const keys = await admin.query<{ id: string; label: string }[]>('keys.list', {});
  const key = keys.data?.find((candidate) => candidate.id === root.keyId);
  if (key === undefined) throw new Error('the root CA key is not listed');
  caKey = key;
  // The key store destroys only a revoked key; revoking a CA key without live certificates needs no approval.
  await admin.must('keys.revoke', { keyId: caKey.id, reason: 'cessationOfOperation' });
  // Turning it on runs at once; only turning it off needs a second admin.
  await admin.must('settings.setDualControl', { isEnabled: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

/** Dual control answers the held request with 409 APPROVAL_REQUIRED: expected here, and nothing else is. */
function unexpected(problems: string[]): string[] {
  return problems.filter(
    (problem) =>
      !/^HTTP 409: POST [^ ]+\/trpc\/keys\.destroy/.test(problem) &&
      !/^console error: Failed to load resource: the server responded with a status of 409\b/.test(problem),
  );
}

async function signedIn(credentials: { username: string; password: string }, path: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${app.baseUrl}/sign-in?returnTo=${encodeURIComponent(path)}`);
  await signInThroughForm(page, credentials);
  await page.waitForURL((url) => url.pathname === path, { timeout: UI_TIMEOUT_MS });
  return page;
}

describe('dual control in the console', () => {
  it('holds a key destruction until a second admin approves it, then shows the key destroyed', async () => {
    const requester = await signedIn(E2E_ADMIN, '/keys');
    const requesterProblems = watchPageProblems(requester).problems;
    try {
      await requester.getByRole('button', { name: `Destroy key ${caKey.label}` }).click();
      const dialog = requester.getByRole('alertdialog', { name: `Destroy key ${caKey.label}` });
      await dialog.waitFor({ timeout: UI_TIMEOUT_MS });
      await dialog.getByText('CA Doomed Root can no longer sign: no new certificates, no CRL, no OCSP.').waitFor();
      await dialog.getByRole('textbox', { name: /Type the key's label/ }).fill(caKey.label);
      await dialog.getByRole('button', { name: 'Request destruction' }).click();
      await dialog.getByText('Pending approval by a second admin').waitFor({ timeout: UI_TIMEOUT_MS });
      await dialog.getByRole('button', { name: 'Close' }).click();
      const row = requester.getByRole('row').filter({ hasText: caKey.label });
      await row.getByText('Destruction pending approval').waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await row.getByText('destroyed', { exact: true }).count()).toBe(0);

      // The requester sees the request but is offered no decision on it.
      await requester.goto(`${app.baseUrl}/approvals`);
      const ownRequest = requester.getByRole('listitem').filter({ hasText: caKey.id });
      await ownRequest.getByText('You requested this').waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await ownRequest.getByRole('button', { name: 'Approve' }).count()).toBe(0);

      const approver = await signedIn(secondAdmin, '/approvals');
      const approverProblems = watchPageProblems(approver).problems;
      try {
        const request = approver.getByRole('listitem').filter({ hasText: caKey.id });
        await request.getByText('Destroy a key').waitFor({ timeout: UI_TIMEOUT_MS });
        expect(await request.textContent()).toContain(`user:${E2E_ADMIN.username}`);
        await request.getByRole('button', { name: 'Approve' }).click();
        const decision = approver.getByRole('alertdialog', { name: 'Approve: Destroy a key' });
        await decision.getByRole('textbox', { name: 'Comment (optional)' }).fill('retiring the test root');
        await decision.getByRole('button', { name: 'Approve' }).click();
        await decision.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
        await approver.goto(`${app.baseUrl}/approvals?status=approved`);
        await approver
          .getByRole('listitem')
          .filter({ hasText: 'retiring the test root' })
          .waitFor({ timeout: UI_TIMEOUT_MS });
        expect(approverProblems).toEqual([]);
      } finally {
        await approver.context().close();
      }

      await requester.goto(`${app.baseUrl}/keys`);
      const destroyedRow = requester.getByRole('row').filter({ hasText: caKey.label });
      await destroyedRow.getByText('destroyed', { exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await destroyedRow.getByText('Destruction pending approval').count()).toBe(0);
      const key = await admin.query<{ state: string }>('keys.get', { keyId: caKey.id });
      expect(key.data?.state).toBe('destroyed');
      expect(unexpected(requesterProblems)).toEqual([]);
    } finally {
      await requester.context().close();
    }
  });
});

/**
 * Issue 13, journey 4 (issue 11's OpenID Connect sign-in) in Chromium: a real
 * `oidc-provider` runs beside the built app started with PKI_OIDC_*; the user clicks "Sign
 * in with …", signs in on the provider's login page, allows access on its consent page and
 * lands in the console, where the user was going, with the role their groups map to. A user
 * whose groups map to no role is sent back to sign-in with a message saying so.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium, watchPageProblems } from '../src/browser.js';
import { pagesFor, type ConsolePage } from '../src/console-pages.js';
import { captureEveryLook } from '../src/screenshots.js';
import { startOidcProvider, type OidcUser, type RunningOidcProvider } from '../src/oidc-provider.js';
import { freePort, startBuiltApp, type RunningApp } from '../src/server.js';
import { UI_TIMEOUT_MS } from '../src/sign-in.js';

const PROVIDER_NAME = 'Journey IdP';
const CLIENT = { clientId: 'pki-manager-e2e', clientSecret: 'an-e2e-client-secret-Harbor-7263' };
const USERS: Record<string, OidcUser> = {
  ada: { subject: 'sub-ada', password: 'ada-idp-Compass-1180', groups: ['staff', 'pki-admins'] },
  otto: { subject: 'sub-otto', password: 'otto-idp-Lattice-5527', groups: ['pki-operators'] },
  una: { subject: 'sub-una', password: 'una-idp-Meadow-3391', groups: ['staff', 'marketing'] },
};

let provider: RunningOidcProvider;
let app: RunningApp;
let browser: Browser;

beforeAll(async () => {
  // The redirect URI names the app's address, so the port is chosen before either starts.
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  provider = await startOidcProvider({
    name: PROVIDER_NAME,
    ...CLIENT,
    redirectUri: `${publicUrl}/auth/oidc/callback`,
    users: USERS,
  });
  app = await startBuiltApp({
    port,
    env: {
      PKI_PUBLIC_URL: publicUrl,
      PKI_OIDC_ISSUER: provider.issuer,
      PKI_OIDC_CLIENT_ID: CLIENT.clientId,
      PKI_OIDC_CLIENT_SECRET: CLIENT.clientSecret,
      PKI_OIDC_ROLES: 'admin:pki-admins,operator:pki-operators,auditor:pki-auditors',
      PKI_OIDC_NAME: PROVIDER_NAME,
    },
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await provider?.close();
});

/**
 * From a visit to `path` without a session, through the provider's login and consent pages,
 * as `username`; `screenshotName` captures the sign-in page with its OIDC button on the way.
 */
async function signInAtProvider(page: Page, path: string, username: string, screenshotName?: string): Promise<void> {
  const user = USERS[username];
  if (user === undefined) throw new Error(`no provider account ${username}`);
  await page.goto(`${app.baseUrl}${path}`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor({ timeout: UI_TIMEOUT_MS });
  const providerLink = page.getByRole('link', { name: `Sign in with ${PROVIDER_NAME}` });
  await providerLink.waitFor({ timeout: UI_TIMEOUT_MS });
  if (screenshotName !== undefined) await captureEveryLook(page, screenshotName);
  await providerLink.click();

  const login = page.getByRole('form', { name: `Sign in to ${PROVIDER_NAME}` });
  await login.waitFor({ timeout: UI_TIMEOUT_MS });
  expect(new URL(page.url()).origin).toBe(provider.issuer);
  await login.getByLabel('Username').fill(username);
  await login.getByLabel('Password').fill(user.password);
  await login.getByRole('button', { name: 'Continue' }).click();

  const consent = page.getByRole('form', { name: 'Allow access' });
  await page.getByRole('heading', { level: 1, name: 'Allow PKI Manager to sign you in?' }).waitFor({
    timeout: UI_TIMEOUT_MS,
  });
  expect(await page.getByText(/It will receive: .*groups/).count()).toBe(1);
  await consent.getByRole('button', { name: 'Allow' }).click();
}

async function expectSignedInAs(page: Page, roleLabel: string, offered: ConsolePage[]): Promise<void> {
  const header = page.getByRole('banner');
  await header.getByLabel(new RegExp(`^Signed in as .+, role ${roleLabel}$`)).waitFor({ timeout: UI_TIMEOUT_MS });
  const navigation = page.getByRole('navigation', { name: 'Main' });
  expect(await navigation.getByRole('link').allTextContents()).toEqual(offered.map((section) => section.label));
}

/**
 * Runs `journey` in a fresh browser context (no cookie here, no session at the provider) and
 * then asserts the page raised no problem. The first visit's session check answers 401
 * before anyone signed in: that one is expected.
 */
async function inFreshContext(journey: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const { problems } = watchPageProblems(page, { isUnauthenticatedApiExpected: true });
  try {
    await journey(page);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
}

describe('journey 4: sign-in with OpenID Connect', () => {
  it('signs a mapped operator in through the provider and back to where they were going, as operator', () =>
    inFreshContext(async (page) => {
      await signInAtProvider(page, '/certificates', 'otto', 'sign-in-with-oidc');
      await page.getByRole('heading', { level: 1, name: 'Certificates' }).waitFor({ timeout: UI_TIMEOUT_MS });
      expect(new URL(page.url()).pathname).toBe('/certificates');
      await expectSignedInAs(page, 'Operator', pagesFor('operator'));
      expect(await page.getByRole('link', { name: 'Issue a certificate', exact: true }).count()).toBe(1);
    }));

  it('signs a member of the admins group in as admin', () =>
    inFreshContext(async (page) => {
      await signInAtProvider(page, '/', 'ada');
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: UI_TIMEOUT_MS });
      await expectSignedInAs(page, 'Admin', pagesFor('admin'));
    }));

  it('refuses a user whose groups map to no role, saying why, and lets no one in', () =>
    inFreshContext(async (page) => {
      await signInAtProvider(page, '/', 'una');
      await page.waitForURL((url) => url.origin === app.baseUrl && url.pathname === '/sign-in', {
        timeout: UI_TIMEOUT_MS,
      });
      const notice = page.getByRole('alert').filter({ hasText: 'Sign-in failed' });
      await notice.waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await notice.textContent()).toContain('none of your groups grants a role in PKI Manager');
      expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
      await captureEveryLook(page, 'sign-in-oidc-refused');

      // No session was made: the console still asks to sign in.
      await page.goto(`${app.baseUrl}/certificates`);
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor({ timeout: UI_TIMEOUT_MS });
    }));
});

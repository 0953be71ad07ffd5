/** Signing in through the console's own form, as a person would. */
import type { Browser, Page } from 'playwright-core';

export const UI_TIMEOUT_MS = 10_000;

export async function signInThroughForm(
  page: Page,
  credentials: { username: string; password: string },
): Promise<void> {
  const form = page.getByRole('form', { name: 'Sign in with a password' });
  await form.waitFor({ timeout: UI_TIMEOUT_MS });
  await form.getByLabel('Username').fill(credentials.username);
  await form.getByLabel('Password').fill(credentials.password);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * A new browser context (its own cookies, downloads accepted) signed in through the form at
 * 1280 px, on the dashboard; close it with `page.context().close()`.
 */
export async function signInInNewContext(
  browser: Browser,
  baseUrl: string,
  credentials: { username: string; password: string },
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/sign-in`);
  await signInThroughForm(page, credentials);
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: UI_TIMEOUT_MS });
  return page;
}

/** Signing in through the console's own form, as a person would. */
import type { Page } from 'playwright-core';

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

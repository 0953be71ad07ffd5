/**
 * Chromium for the e2e suite: Debian's /usr/bin/chromium driven by playwright-core.
 * Never a downloaded browser; scripts/ installs the package on a fresh machine.
 */
import { existsSync } from 'node:fs';

import { chromium } from 'playwright-core';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Quiet, offline and reproducible: no sandbox (we run as root in CI), no GPU, no phoning home. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium package (scripts/ does it).`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface WatchOptions {
  /**
   * API answers of 401 that the test provokes on purpose (a visit before signing in, an
   * ended session): they and Chromium's "Failed to load resource … 401" console line are
   * not problems. Everything else, CSP violations above all, still is.
   */
  isUnauthenticatedApiExpected?: boolean;
}

const UNAUTHENTICATED_API_ANSWER = /^HTTP 401: (GET|POST) [^ ]+\/trpc\//;
const UNAUTHENTICATED_RESOURCE_LINE =
  /^console error: Failed to load resource: the server responded with a status of 401\b/;

/**
 * Collects everything that means the page is broken: console errors (CSP violations are
 * reported there by Chromium), uncaught exceptions and failed or erroring requests.
 */
export function watchPageProblems(page: Page, options: WatchOptions = {}): { problems: string[] } {
  const problems: string[] = [];
  const isExpected = (problem: string) =>
    options.isUnauthenticatedApiExpected === true &&
    (UNAUTHENTICATED_API_ANSWER.test(problem) || UNAUTHENTICATED_RESOURCE_LINE.test(problem));
  const record = (problem: string) => {
    if (!isExpected(problem)) problems.push(problem);
  };
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') record(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => record(`uncaught exception: ${error.message}`));
  // net::ERR_ABORTED is a cancellation by the client: the test navigating away, or React
  // removing an <img> whose load was still under way. It says nothing about the page; a
  // refused connection or a blocked request has its own error text and is still reported.
  page.on('requestfailed', (request) => {
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    record(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText ?? 'unknown'})`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) record(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return { problems };
}

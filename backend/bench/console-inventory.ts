/**
 * The certificate inventory at 100,000 certificates, measured in Chromium (issue 13): the
 * time from navigation to the first rows drawn, from a filter change to the updated rows,
 * and the share of dropped frames while scrolling through 10,000 rows. It runs the BUILT app
 * (`pnpm build` first) on a fresh data directory, seeds the certificates straight through
 * the repository (the inventory reads columns only, so a placeholder DER is enough), and
 * signs in through the console's own form. Each figure is held to its target, not a peer.
 *
 * Chromium is Debian's /usr/bin/chromium driven by the workspace's one playwright-core,
 * the e2e package's; nothing downloads a browser.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { KeyAlgorithm, ProfileId } from '@pki/shared';

import { openDatabase } from '../src/db/client.js';
import { openPkiRepositories } from '../src/db/pki-repositories.js';
import type { BenchRow } from './bench-row.js';

/**
 * The few playwright-core calls this suite makes, typed here: the package belongs to e2e, so
 * the backend neither depends on it nor sees its types.
 */
interface Locator {
  first(): Locator;
  waitFor(): Promise<void>;
  fill(value: string): Promise<void>;
  click(): Promise<void>;
  getByLabel(text: string): Locator;
  getByRole(role: string, options: { name: string }): Locator;
}
interface Page {
  goto(url: string): Promise<unknown>;
  getByRole(role: string, options: { name: string }): Locator;
  locator(selector: string): Locator;
  waitForURL(predicate: (url: URL) => boolean): Promise<void>;
  evaluate<R, A>(fn: (argument: A) => R | Promise<R>, argument: A): Promise<R>;
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
}
interface BrowserContext {
  addInitScript(script: { content: string } | (() => void)): Promise<void>;
  newPage(): Promise<Page>;
}
interface Playwright {
  chromium: {
    launch(options: { executablePath: string; headless: boolean; args: string[] }): Promise<{
      newContext(options: { viewport: { width: number; height: number } }): Promise<BrowserContext>;
      close(): Promise<void>;
    }>;
  };
}

const REPO_ROOT = new URL('../../', import.meta.url).pathname;
const SERVER_ENTRY = join(REPO_ROOT, 'backend/dist/server.js');
const FRONTEND_INDEX = join(REPO_ROOT, 'frontend/dist/index.html');
const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const ADMIN = { username: 'admin', password: 'bench-admin-Quokka-5581' };

const CERTIFICATE_COUNT = 100_000;
const SCROLLED_ROWS = 10_000;
/** The inventory's fixed row height (certificate-inventory.tsx). */
const ROW_HEIGHT_PX = 44;
/** Rows scrolled per frame: a brisk flick, about 2,600 rows a second at 60 Hz. */
const ROWS_PER_FRAME = 44;
const REPETITIONS = 5;

const PROFILES: ProfileId[] = ['tls-server', 'tls-client', 'tls-server-client', 'code-signing', 'email-protection'];
const ALGORITHMS: KeyAlgorithm[] = ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072'];
const DAY_MS = 86_400_000;

function loadPlaywright(): Playwright {
  const require = createRequire(join(REPO_ROOT, 'e2e/package.json'));
  return require('playwright-core') as Playwright;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

async function startServer(dataDir: string): Promise<{ baseUrl: string; child: ChildProcess }> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PKI_')));
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: REPO_ROOT,
    env: {
      ...environment,
      PKI_ADMIN_PASSWORD: ADMIN.password,
      PKI_DATA_DIR: dataDir,
      PKI_HOST: '127.0.0.1',
      PKI_PORT: String(port),
      PKI_MODE: 'production',
      PKI_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`the server exited during start (code ${child.exitCode})`);
    try {
      if ((await fetch(`${baseUrl}/readyz`)).status === 200) return { baseUrl, child };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the server did not become ready within 20 s');
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  await exited;
}

/** A root CA made through the API, so the server knows its key; the certificates are seeded below it. */
async function createRootCa(baseUrl: string): Promise<string> {
  const headers = { 'content-type': 'application/json', 'X-PKI-Request': '1' };
  const signIn = await fetch(`${baseUrl}/trpc/auth.signIn`, { method: 'POST', headers, body: JSON.stringify(ADMIN) });
  const cookie = signIn.headers.get('set-cookie')?.split(';')[0];
  if (signIn.status !== 200 || cookie === undefined) throw new Error(`signing in answered ${signIn.status}`);
  const created = await fetch(`${baseUrl}/trpc/cas.createRoot`, {
    method: 'POST',
    headers: { ...headers, cookie },
    body: JSON.stringify({
      name: 'Bench Root',
      subject: { commonName: 'Bench Root' },
      algorithm: 'ec-p384',
      validityDays: 3650,
    }),
  });
  const body = (await created.json()) as { result?: { data: { id: string } } };
  if (body.result === undefined) throw new Error(`cas.createRoot answered ${created.status}`);
  return body.result.data.id;
}

/** 100,000 rows in one transaction, through the repository the server itself writes with. */
function seedCertificates(databasePath: string, caId: string): void {
  const database = openDatabase(databasePath);
  try {
    const { certificates } = openPkiRepositories(database);
    const now = Date.now();
    const placeholderDer = Buffer.from([0x30, 0x00]);
    database.sqlite.transaction(() => {
      for (let index = 0; index < CERTIFICATE_COUNT; index++) {
        const host = `host-${index.toString().padStart(6, '0')}.bench.example`;
        const issuedAt = now - (CERTIFICATE_COUNT - index) * 60_000;
        certificates.insertIssued({
          id: `01BENCH${index.toString().padStart(10, '0')}`,
          caId,
          serialHex: (0x100000 + index).toString(16),
          subjectDn: `CN=${host}`,
          commonName: host,
          sans: [`dns:${host}`],
          profile: PROFILES[index % PROFILES.length] as string,
          notBefore: new Date(issuedAt),
          notAfter: new Date(issuedAt + ((index % 400) + 1) * DAY_MS),
          der: placeholderDer,
          keyId: null,
          keyAlgorithm: ALGORITHMS[index % ALGORITHMS.length] as KeyAlgorithm,
          createdAt: new Date(issuedAt),
        });
      }
    })();
  } finally {
    database.sqlite.close();
  }
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function signIn(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  const form = page.getByRole('form', { name: 'Sign in with a password' });
  await form.getByLabel('Username').fill(ADMIN.username);
  await form.getByLabel('Password').fill(ADMIN.password);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

/**
 * Milliseconds from navigation start to the first inventory row in the DOM, read in the page
 * (an init script's MutationObserver), so it covers HTML, scripts, the API call and drawing.
 */
async function navigationToFirstRows(page: Page, baseUrl: string): Promise<number> {
  await page.goto(`${baseUrl}/`);
  await page.goto(`${baseUrl}/certificates`);
  await page.locator('[data-testid=inventory-row]').first().waitFor();
  return page.evaluate(() => (window as unknown as { firstInventoryRowAt: number }).firstInventoryRowAt);
}

/** Milliseconds from choosing a profile in the filter to the first drawn row being of that profile. */
function filterToUpdatedRows(page: Page, profile: string): Promise<number> {
  return page.evaluate(
    (wanted: string) =>
      new Promise<number>((resolveTime, reject) => {
        const select = document.querySelector<HTMLSelectElement>('#inventory-profile');
        if (select === null) return reject(new Error('no profile filter'));
        const start = performance.now();
        select.value = wanted;
        select.dispatchEvent(new Event('change', { bubbles: true }));
        const check = () => {
          const first = document.querySelector('[data-testid=inventory-row]');
          const cells = first?.querySelectorAll('td');
          if (cells !== undefined && cells[3]?.textContent === wanted) return resolveTime(performance.now() - start);
          if (performance.now() - start > 30_000) return reject(new Error(`rows never showed profile ${wanted}`));
          requestAnimationFrame(check);
        };
        check();
      }),
    profile,
  );
}

/**
 * Scrolls the inventory through `rows` rows, a fixed step per animation frame, and counts the
 * frames that took longer than one and a half of the page's median frame interval (a missed
 * vsync). Frames spent waiting at the end of the loaded rows for the next keyset page count
 * as frames too: the page must stay responsive while it fetches.
 */
function scrollDroppedFrames(page: Page, rows: number): Promise<{ dropped: number; frames: number; seconds: number }> {
  return page.evaluate(
    ({ rowCount, rowHeight, rowsPerFrame }: { rowCount: number; rowHeight: number; rowsPerFrame: number }) =>
      new Promise<{ dropped: number; frames: number; seconds: number }>((resolveRun, reject) => {
        const scroller = document.querySelector<HTMLElement>('[data-testid=inventory-scroller]');
        if (scroller === null) return reject(new Error('no inventory scroller'));
        const target = rowCount * rowHeight;
        const intervals: number[] = [];
        const start = performance.now();
        let last = start;
        const step = (now: number) => {
          intervals.push(now - last);
          last = now;
          scroller.scrollTop = Math.min(scroller.scrollTop + rowsPerFrame * rowHeight, target);
          if (scroller.scrollTop >= target - 1) {
            const sorted = [...intervals.slice(1)].sort((a, b) => a - b);
            const typical = sorted[Math.floor(sorted.length / 2)] ?? 16.7;
            const dropped = sorted.filter((interval) => interval > typical * 1.5).length;
            return resolveRun({ dropped, frames: sorted.length, seconds: (now - start) / 1000 });
          }
          if (now - start > 180_000) return reject(new Error(`scrolled only to row ${scroller.scrollTop / rowHeight}`));
          requestAnimationFrame(step);
        };
        requestAnimationFrame((now) => {
          last = now;
          requestAnimationFrame(step);
        });
      }),
    { rowCount: rows, rowHeight: ROW_HEIGHT_PX, rowsPerFrame: ROWS_PER_FRAME },
  );
}

export async function runConsoleInventoryBench(): Promise<BenchRow[]> {
  for (const [path, what] of [
    [SERVER_ENTRY, 'backend'],
    [FRONTEND_INDEX, 'frontend'],
    [CHROMIUM_PATH, 'chromium'],
  ] as const) {
    if (!existsSync(path)) throw new Error(`${what} is missing (${path}): run \`pnpm build\` (and install chromium)`);
  }
  const { chromium } = loadPlaywright();
  const dataDir = mkdtempSync(join(tmpdir(), 'pki-bench-inventory-'));
  const server = await startServer(dataDir);
  try {
    const caId = await createRootCa(server.baseUrl);
    const seeding = performance.now();
    seedCertificates(join(dataDir, 'pki.sqlite'), caId);
    process.stdout.write(
      `seeded ${CERTIFICATE_COUNT} certificates in ${((performance.now() - seeding) / 1000).toFixed(1)} s\n`,
    );

    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      // tsx compiles with esbuild's keepNames, which wraps the functions passed to the page in
      // a `__name` helper the page lacks; an identity stands in for it.
      await context.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
      await context.addInitScript(() => {
        const observer = new MutationObserver(() => {
          if (document.querySelector('[data-testid=inventory-row]') === null) return;
          (window as unknown as { firstInventoryRowAt: number }).firstInventoryRowAt = performance.now();
          observer.disconnect();
        });
        observer.observe(document, { childList: true, subtree: true });
      });
      const page = await context.newPage();
      await signIn(page, server.baseUrl);

      // One warm-up each: the first run also fills the browser's cache and SQLite's page cache.
      await navigationToFirstRows(page, server.baseUrl);
      const navigations: number[] = [];
      for (let run = 0; run < REPETITIONS; run++) navigations.push(await navigationToFirstRows(page, server.baseUrl));

      const filterChanges: number[] = [];
      const profiles = ['tls-client', 'code-signing', 'tls-server', 'email-protection', 'tls-server-client'];
      await filterToUpdatedRows(page, 'tls-server');
      for (let run = 0; run < REPETITIONS; run++)
        filterChanges.push(await filterToUpdatedRows(page, profiles[run % profiles.length] as string));

      await page.goto(`${server.baseUrl}/certificates`);
      await page.locator('[data-testid=inventory-row]').first().waitFor();
      const scroll = await scrollDroppedFrames(page, SCROLLED_ROWS);
      process.stdout.write(
        `scrolled ${SCROLLED_ROWS} rows in ${scroll.seconds.toFixed(1)} s: ${scroll.dropped} of ${scroll.frames} frames dropped\n`,
      );

      const navigationMs = median(navigations);
      const filterMs = median(filterChanges);
      const droppedPercent = (100 * scroll.dropped) / Math.max(scroll.frames, 1);
      return [
        {
          name: `navigation → first inventory rows (${CERTIFICATE_COUNT / 1000}k certs, median of ${REPETITIONS})`,
          ours: navigationMs,
          peer: 500,
          unit: 'ms',
          ratio: 500 / navigationMs,
          target: '< 500 ms',
        },
        {
          name: `filter change → updated rows (median of ${REPETITIONS})`,
          ours: filterMs,
          peer: 300,
          unit: 'ms',
          ratio: 300 / filterMs,
          target: '< 300 ms',
        },
        {
          name: `scroll ${SCROLLED_ROWS / 1000}k rows: dropped frames`,
          ours: droppedPercent,
          peer: 5,
          unit: '%',
          ratio: droppedPercent === 0 ? Number.POSITIVE_INFINITY : 5 / droppedPercent,
          target: '≤ 5 %',
        },
      ];
    } finally {
      await browser.close();
    }
  } finally {
    await stopServer(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

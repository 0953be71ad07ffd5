/**
 * The certificate inventory at 100,000 certificates, measured in Chromium (issue 13): the
 * time from navigation to the first rows drawn, from a filter change to the updated rows,
 * and the share of dropped frames while scrolling through 10,000 rows. It runs the BUILT app
 * (`pnpm build` first) on a fresh data directory, seeds the certificates straight through
 * the repository (the inventory reads columns only, so a placeholder DER is enough), and
 * signs in through the console's own form. Each figure is held to its target, not a peer.
 *
 * The server and Chromium (Debian's /usr/bin/chromium, never a downloaded one) are started
 * by the e2e package's harness, the one place that knows how.
 */
import { join } from 'node:path';

import type { KeyAlgorithm, ProfileId } from '@pki/shared';

import { openDatabase } from '../src/db/client.js';
import { openPkiRepositories } from '../src/db/pki-repositories.js';
import type { BenchRow } from './bench-row.js';

/** The few playwright-core calls this suite makes (the package is e2e's, not the backend's). */
interface Locator {
  first(): Locator;
  waitFor(): Promise<void>;
}
interface Page {
  goto(url: string): Promise<unknown>;
  locator(selector: string): Locator;
  waitForURL(predicate: (url: URL) => boolean): Promise<void>;
  evaluate<R, A>(fn: (argument: A) => R | Promise<R>, argument: A): Promise<R>;
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
}
interface BrowserContext {
  addInitScript(script: { content: string } | (() => void)): Promise<void>;
  newPage(): Promise<Page>;
}
interface Credentials {
  username: string;
  password: string;
}
/** What the suite uses of the e2e harness (e2e/src): it starts the built app and drives Debian's Chromium. */
interface E2eHarness {
  E2E_ADMIN: Credentials;
  startBuiltApp(): Promise<{ baseUrl: string; dataDir: string; stop(): Promise<void> }>;
  launchChromium(): Promise<{
    newContext(options: { viewport: { width: number; height: number } }): Promise<BrowserContext>;
    close(): Promise<void>;
  }>;
  signInThroughForm(page: Page, credentials: Credentials): Promise<void>;
}

/**
 * Loaded at run time by path: the e2e package sits outside the backend's TypeScript root, and
 * its playwright-core resolves from its own node_modules.
 */
async function loadE2eHarness(): Promise<E2eHarness> {
  const load = (file: string) => import(new URL(`../../e2e/src/${file}`, import.meta.url).href) as Promise<object>;
  const [server, browser, signIn] = await Promise.all([load('server.ts'), load('browser.ts'), load('sign-in.ts')]);
  return { ...server, ...browser, ...signIn } as E2eHarness;
}

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

/** A root CA made through the API, so the server knows its key; the certificates are seeded below it. */
async function createRootCa(baseUrl: string, admin: Credentials): Promise<string> {
  const headers = { 'content-type': 'application/json', 'X-PKI-Request': '1' };
  const signIn = await fetch(`${baseUrl}/trpc/auth.signIn`, {
    method: 'POST',
    headers,
    body: JSON.stringify(admin),
  });
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

/** The server's share of each figure: certificates.list pages (first, and deep behind a cursor) over HTTP. */
async function reportListLatency(baseUrl: string, admin: Credentials): Promise<void> {
  const headers = { 'content-type': 'application/json', 'X-PKI-Request': '1' };
  const signIn = await fetch(`${baseUrl}/trpc/auth.signIn`, { method: 'POST', headers, body: JSON.stringify(admin) });
  const cookie = signIn.headers.get('set-cookie')?.split(';')[0] ?? '';
  const page = async (input: object) => {
    const start = performance.now();
    const response = await fetch(
      `${baseUrl}/trpc/certificates.list?input=${encodeURIComponent(JSON.stringify(input))}`,
      {
        headers: { cookie },
      },
    );
    const body = (await response.json()) as { result?: { data: { nextCursor: string | null } } };
    return { ms: performance.now() - start, cursor: body.result?.data.nextCursor ?? null };
  };
  const first: number[] = [];
  const deep: number[] = [];
  let cursor: string | null = null;
  for (let index = 0; index < 50; index++) {
    const answer = await page({ limit: 100, ...(cursor === null ? {} : { cursor }) });
    (index === 0 ? first : deep).push(answer.ms);
    cursor = answer.cursor;
  }
  for (let run = 0; run < 4; run++) first.push((await page({ limit: 100 })).ms);
  process.stdout.write(
    `certificates.list over HTTP: first page ${median(first).toFixed(1)} ms, pages 2–50 ${median(deep).toFixed(1)} ms (medians)\n`,
  );
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

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
  const { E2E_ADMIN, startBuiltApp, launchChromium, signInThroughForm } = await loadE2eHarness();
  const server = await startBuiltApp();
  try {
    const caId = await createRootCa(server.baseUrl, E2E_ADMIN);
    const seeding = performance.now();
    seedCertificates(join(server.dataDir, 'pki.sqlite'), caId);
    process.stdout.write(
      `seeded ${CERTIFICATE_COUNT} certificates in ${((performance.now() - seeding) / 1000).toFixed(1)} s\n`,
    );

    await reportListLatency(server.baseUrl, E2E_ADMIN);
    const browser = await launchChromium();
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
      await page.goto(`${server.baseUrl}/sign-in`);
      await signInThroughForm(page, E2E_ADMIN);
      await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));

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
    await server.stop();
  }
}

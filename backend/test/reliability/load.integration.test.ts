/**
 * Issue 15: load. 32 concurrent clients issue, list and revoke against one instance over
 * real HTTP for 20 s (PKI_SOAK=1: 60 s). Asserted: no 5xx, no lost operation (acknowledged
 * issuances = certificate rows = issuance audit rows; acknowledged revocations = revoked
 * rows), and a resident set that stays roughly flat. Printed: operations, p99, RSS at start,
 * middle and end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { opensslCsr, scratchDir } from '../harness/openssl.js';
import type { ScratchDir } from '../harness/openssl.js';
import { createRootCa } from '../harness/ca-hierarchy.js';
import { listenOnLoopback } from '../harness/ports.js';
import { actAs, tokenAs } from '../harness/act-as.js';

const IS_SOAK = process.env.PKI_SOAK === '1';
const DURATION_MS = (IS_SOAK ? 60 : 20) * 1000;
const CLIENTS = 32;
const CSR_POOL = 8;
/** Allowed growth of the resident set from the middle of the run to its end. */
const RSS_GROWTH_LIMIT = 1.5;

let dataDir: string;
let scratch: ScratchDir;
let app: FastifyInstance;
let baseUrl: string;
let authorization: string;
let caId: string;
let csrs: string[];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pki-load-'));
  scratch = scratchDir('pki-load-csr-');
  const config = loadConfig({
    PKI_MODE: 'production',
    PKI_DATA_DIR: dataDir,
    PKI_PORT: '0',
    PKI_PUBLIC_URL: 'http://127.0.0.1',
    PKI_LOG_LEVEL: 'warn',
  });
  app = await buildApp(config, { logger: pino({ level: 'silent' }) });
  const admin = await actAs(app.services, 'admin', 'load-admin');
  const token = await tokenAs(app.services, 'operator', { creator: admin, name: 'load' });
  authorization = token.headers.authorization ?? '';
  const root = await createRootCa(admin.caller.cas, { name: 'Load Root', validityDays: 3650 });
  caId = root.id;
  csrs = Array.from(
    { length: CSR_POOL },
    (_, index) =>
      opensslCsr(scratch, `c${index}`, { key: 'ec:P-256', subject: `/CN=load-${index}.example.test` }).csrPem,
  );
  baseUrl = `${await listenOnLoopback(app)}/trpc`;
});
afterAll(async () => {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
  scratch.remove();
});

interface Tally {
  issued: Set<string>;
  revoked: Set<string>;
  lists: number;
  fiveHundreds: string[];
  otherFailures: string[];
  latenciesMs: number[];
}

async function call(tally: Tally, procedure: string, body: unknown, method: 'GET' | 'POST'): Promise<unknown> {
  const startedAt = performance.now();
  const url =
    method === 'GET'
      ? `${baseUrl}/${procedure}?input=${encodeURIComponent(JSON.stringify(body))}`
      : `${baseUrl}/${procedure}`;
  const response = await fetch(url, {
    method,
    headers: { authorization, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  tally.latenciesMs.push(performance.now() - startedAt);
  if (response.status >= 500) {
    tally.fiveHundreds.push(`${procedure} ${response.status} ${text.slice(0, 200)}`);
    return undefined;
  }
  if (response.status !== 200) {
    tally.otherFailures.push(`${procedure} ${response.status} ${text.slice(0, 200)}`);
    return undefined;
  }
  return (JSON.parse(text) as { result: { data: unknown } }).result.data;
}

async function client(index: number, tally: Tally, until: number): Promise<void> {
  const mine: string[] = [];
  for (let step = 0; performance.now() < until; step++) {
    const action = step % 5;
    if (action <= 2) {
      const data = (await call(
        tally,
        'certificates.issueFromCsr',
        { caId, profile: 'tls-server', csr: csrs[(index + step) % CSR_POOL] },
        'POST',
      )) as { certificate: { id: string } } | undefined;
      if (data) {
        tally.issued.add(data.certificate.id);
        mine.push(data.certificate.id);
      }
    } else if (action === 3) {
      if ((await call(tally, 'certificates.list', { caId, limit: 20 }, 'GET')) !== undefined) tally.lists++;
    } else {
      const id = mine.shift();
      if (id === undefined) continue;
      const data = (await call(tally, 'certificates.revoke', { id, reason: 'superseded' }, 'POST')) as
        { status: string } | undefined;
      if (data?.status === 'revoked') tally.revoked.add(id);
    }
  }
}

const rssMb = () => Math.round(process.memoryUsage().rss / 1024 / 1024);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

describe('issue 15: 32 clients issuing, listing and revoking', () => {
  it('loses nothing, answers no 5xx, and keeps its memory flat', { timeout: DURATION_MS + 120_000 }, async () => {
    const tally: Tally = {
      issued: new Set(),
      revoked: new Set(),
      lists: 0,
      fiveHundreds: [],
      otherFailures: [],
      latenciesMs: [],
    };
    const rss = { start: rssMb(), middle: 0, end: 0 };
    const startedAt = performance.now();
    const middle = setTimeout(() => (rss.middle = rssMb()), DURATION_MS / 2);
    await Promise.all(Array.from({ length: CLIENTS }, (_, index) => client(index, tally, startedAt + DURATION_MS)));
    clearTimeout(middle);
    rss.end = rssMb();
    const seconds = (performance.now() - startedAt) / 1000;

    const sqlite = app.services.database.sqlite;
    const certificateRows = (
      sqlite.prepare("SELECT count(*) AS n FROM certificates WHERE ca_id = ? AND profile = 'tls-server'").get(caId) as {
        n: number;
      }
    ).n;
    const issueRows = (
      sqlite
        .prepare("SELECT count(*) AS n FROM audit_log WHERE operation = 'certificate.issue' AND status = 'success'")
        .get() as { n: number }
    ).n;
    const revokedRows = (
      sqlite.prepare("SELECT count(*) AS n FROM certificates WHERE ca_id = ? AND status = 'revoked'").get(caId) as {
        n: number;
      }
    ).n;
    console.log(
      `load: ${CLIENTS} clients for ${seconds.toFixed(0)} s: ${tally.issued.size} issued (${certificateRows} rows, ${issueRows} audit rows), ` +
        `${tally.revoked.size} revoked (${revokedRows} rows), ${tally.lists} lists; 5xx ${tally.fiveHundreds.length}, other refusals ${tally.otherFailures.length}; ` +
        `p50 ${percentile(tally.latenciesMs, 50).toFixed(1)} ms, p99 ${percentile(tally.latenciesMs, 99).toFixed(1)} ms; ` +
        `RSS start ${rss.start} MB, middle ${rss.middle} MB, end ${rss.end} MB`,
    );

    expect(tally.fiveHundreds).toEqual([]);
    expect(tally.otherFailures).toEqual([]);
    expect(tally.issued.size).toBeGreaterThan(CLIENTS);
    expect(certificateRows).toBe(tally.issued.size);
    expect(issueRows).toBe(tally.issued.size);
    expect(revokedRows).toBe(tally.revoked.size);
    expect(rss.middle).toBeGreaterThan(0);
    expect(rss.end).toBeLessThan(rss.middle * RSS_GROWTH_LIMIT);
  });
});

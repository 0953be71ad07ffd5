/**
 * Issue 15: crash consistency. The server runs as a child process on a temporary data
 * directory; concurrent clients issue (with a key generated in the key store), revoke and
 * destroy keys over HTTP with an admin API token, and the server is killed with SIGKILL
 * at a random moment of each burst. After every kill:
 * - the database opens and `PRAGMA integrity_check` says ok (before the restart);
 * - after the restart the audit chain verifies;
 * - every certificate a client was told was issued is in the database, and those of the
 *   last burst are fetchable over HTTP;
 * - every acknowledged revocation is on the CRL within CRL_DEADLINE_MS, and the last
 *   burst's are answered `revoked` by OCSP (openssl asks);
 * - every acknowledged key destruction holds, and every key the key store holds under our
 *   namespace is known to kms_keys or reported by the boot reconciliation.
 * The figures are printed at the end. `pnpm test:soak` runs a longer profile.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { crlSerials, ocspStatus } from './crl-serials.js';
import { callTrpc, killServer, prepareDataDir, startServer } from './server-process.js';
import type { ServerFixture, ServerProcess } from './server-process.js';
import { CRASH_PROFILE } from './soak-profile.js';

const CRL_DEADLINE_MS = 20_000;

interface Issued {
  certificate: { id: string; serialHex: string; keyId: string | null };
}

interface Ledger {
  issued: Map<string, { serialHex: string; keyId: string }>;
  revoked: Map<string, string>;
  destroyedKeys: Set<string>;
  failures: number;
  fiveHundreds: number;
  /** The codes of refusals, counted: a refusal is no loss, but the figures should say what it was. */
  refusals: Map<string, number>;
}

let fixture: ServerFixture;
let scratch: string;

beforeAll(async () => {
  fixture = await prepareDataDir();
  scratch = mkdtempSync(join(tmpdir(), 'pki-crash-'));
});
afterAll(() => {
  if (fixture) rmSync(fixture.dataDir, { recursive: true, force: true });
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const randomBetween = (low: number, high: number) => low + Math.floor(Math.random() * (high - low));
const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(Math.random() * items.length)];

function openReadonly(): Database.Database {
  return new Database(join(fixture.dataDir, 'pki.sqlite'), { readonly: true, fileMustExist: true });
}

/** One client: random operations until the server goes away. */
async function client(ledger: Ledger, lastBurst: Ledger, worker: number): Promise<void> {
  for (let index = 0; ; index++) {
    const roll = Math.random();
    try {
      if (roll < 0.6 || ledger.issued.size < 4) {
        const answer = await callTrpc<Issued>(fixture, 'certificates.issueWithServerKey', {
          caId: fixture.issuingCaId,
          profile: 'tls-client',
          algorithm: 'ec-p256',
          subject: { commonName: `crash-${worker}-${index}-${Date.now()}.example` },
          validityDays: 30,
        });
        if (answer.data) {
          const entry = { serialHex: answer.data.certificate.serialHex, keyId: answer.data.certificate.keyId ?? '' };
          ledger.issued.set(answer.data.certificate.id, entry);
          lastBurst.issued.set(answer.data.certificate.id, entry);
        } else record(ledger, answer);
      } else if (roll < 0.85) {
        const target = pick([...ledger.issued.keys()].filter((id) => !ledger.revoked.has(id)));
        if (target === undefined) continue;
        const answer = await callTrpc<{ serialHex: string }>(fixture, 'certificates.revoke', {
          id: target,
          reason: 'superseded',
        });
        if (answer.data) {
          ledger.revoked.set(target, answer.data.serialHex);
          lastBurst.revoked.set(target, answer.data.serialHex);
        } else record(ledger, answer);
      } else {
        const keyId = pick(
          [...ledger.revoked.keys()]
            .map((id) => ledger.issued.get(id)?.keyId ?? '')
            .filter((id) => id !== '' && !ledger.destroyedKeys.has(id)),
        );
        if (keyId === undefined) continue;
        const db = openReadonly();
        const label = (db.prepare('SELECT label FROM kms_keys WHERE id = ?').get(keyId) as { label: string }).label;
        db.close();
        // The key store destroys only a revoked key; an earlier try cut by a kill may have revoked it already.
        await callTrpc(fixture, 'keys.revoke', { keyId, reason: 'superseded' });
        const answer = await callTrpc(fixture, 'keys.destroy', { keyId, confirmLabel: label });
        if (answer.data) {
          ledger.destroyedKeys.add(keyId);
          lastBurst.destroyedKeys.add(keyId);
        } else record(ledger, answer);
      }
    } catch {
      return; // the connection died with the server: nothing was acknowledged
    }
  }
}

function record(ledger: Ledger, answer: { status: number; error?: { appCode?: string } }): void {
  ledger.failures++;
  if (answer.status >= 500) ledger.fiveHundreds++;
  const code = answer.error?.appCode ?? String(answer.status);
  ledger.refusals.set(code, (ledger.refusals.get(code) ?? 0) + 1);
}

function emptyLedger(): Ledger {
  return {
    issued: new Map(),
    revoked: new Map(),
    destroyedKeys: new Set(),
    failures: 0,
    fiveHundreds: 0,
    refusals: new Map(),
  };
}

async function untilAcknowledged(burst: Ledger, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (burst.issued.size + burst.revoked.size + burst.destroyedKeys.size === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function checkIntegrity(): void {
  const db = new Database(join(fixture.dataDir, 'pki.sqlite'), { fileMustExist: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    db.close();
  }
}

async function crlListsAll(serials: readonly string[]): Promise<void> {
  const deadline = Date.now() + CRL_DEADLINE_MS;
  let missing: string[] = [];
  while (Date.now() < deadline) {
    const response = await fetch(`${fixture.baseUrl}/crl/${fixture.issuingCaId}.crl`);
    const listed = new Set(crlSerials(new Uint8Array(await response.arrayBuffer())));
    missing = serials.filter((serial) => !listed.has(serial));
    if (missing.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`acknowledged revocations missing from the CRL after ${CRL_DEADLINE_MS} ms: ${missing.join(', ')}`);
}

async function checkAfterRestart(ledger: Ledger, lastBurst: Ledger, issuerPem: string): Promise<number> {
  const chain = await callTrpc<{ isValid: boolean }>(fixture, 'audit.verifyChain', undefined, 'query');
  expect(chain.data, JSON.stringify(chain)).toMatchObject({ isValid: true });

  const db = openReadonly();
  try {
    const known = new Set((db.prepare('SELECT id FROM certificates').all() as { id: string }[]).map((row) => row.id));
    const lost = [...ledger.issued.keys()].filter((id) => !known.has(id));
    expect(lost, 'acknowledged certificates missing').toEqual([]);
    for (const id of ledger.revoked.keys()) {
      expect((db.prepare('SELECT status FROM certificates WHERE id = ?').get(id) as { status: string }).status).toBe(
        'revoked',
      );
    }
    for (const keyId of ledger.destroyedKeys) {
      expect((db.prepare('SELECT state FROM kms_keys WHERE id = ?').get(keyId) as { state: string }).state).toBe(
        'destroyed',
      );
    }
    // Keys in the key store (the local driver's table) that kms_keys does not know must be
    // the ones the boot reconciliation reported.
    const unknown = (
      db
        .prepare(
          `SELECT private_key_ref AS ref FROM local_kms_keys WHERE state != 'destroyed'
           AND private_key_ref NOT IN (SELECT private_key_ref FROM kms_keys)`,
        )
        .all() as { ref: string }[]
    ).map((row) => row.ref);
    if (unknown.length > 0) {
      const reconcile = db
        .prepare("SELECT details FROM audit_log WHERE operation = 'kms.reconcile' ORDER BY seq DESC LIMIT 1")
        .get() as { details: string } | undefined;
      const reported = new Set(
        (JSON.parse(reconcile?.details ?? '{}') as { unknownKeyRefs?: string[] }).unknownKeyRefs,
      );
      expect(
        unknown.filter((ref) => !reported.has(ref)),
        'unknown keys not reported at boot',
      ).toEqual([]);
    }
  } finally {
    db.close();
  }

  for (const id of lastBurst.issued.keys()) {
    const answer = await callTrpc<{ id: string }>(fixture, 'certificates.get', { id }, 'query');
    expect(answer.data?.id).toBe(id);
  }
  await crlListsAll([...ledger.revoked.values()]);
  for (const serialHex of [...lastBurst.revoked.values()].slice(-2)) {
    expect(ocspStatus(fixture.baseUrl, issuerPem, serialHex)).toBe('revoked');
  }
  return lastBurst.issued.size + lastBurst.revoked.size + lastBurst.destroyedKeys.size;
}

describe('crash consistency under SIGKILL (issue 15)', () => {
  it(
    `survives ${CRASH_PROFILE.kills} kills at random moments without losing an acknowledged operation`,
    async () => {
      const ledger = emptyLedger();
      let lastBurst = emptyLedger();
      let server: ServerProcess = await startServer(fixture);
      const issuerPem = join(scratch, 'issuing.pem');
      writeFileSync(issuerPem, await (await fetch(`${fixture.baseUrl}/ca/${fixture.issuingCaId}.pem`)).text());
      let kills = 0;
      let checkedOperations = 0;
      const startedAt = Date.now();
      try {
        for (; kills < CRASH_PROFILE.kills;) {
          lastBurst = emptyLedger();
          const clients = Array.from({ length: CRASH_PROFILE.workers }, (_, worker) =>
            client(ledger, lastBurst, worker),
          );
          // A fresh process answers its first requests slowly: the kill comes at a random
          // moment after the burst's first acknowledgment, so every burst has work in flight.
          await untilAcknowledged(lastBurst);
          await new Promise((resolve) => setTimeout(resolve, randomBetween(0, CRASH_PROFILE.killWithinMs)));
          await killServer(server);
          kills++;
          await Promise.all(clients);
          checkIntegrity();
          server = await startServer(fixture);
          checkedOperations += await checkAfterRestart(ledger, lastBurst, issuerPem);
          if (kills % 10 === 0) console.log(`crash: ${kills} kills, ${Math.round((Date.now() - startedAt) / 1000)} s`);
        }
      } finally {
        await killServer(server);
      }
      console.log(
        `crash: ${kills} SIGKILLs survived in ${Math.round((Date.now() - startedAt) / 1000)} s; acknowledged and found: ` +
          `${ledger.issued.size} issuances, ${ledger.revoked.size} revocations (all on the CRL), ` +
          `${ledger.destroyedKeys.size} key destructions; ${checkedOperations} checked over HTTP right after their kill; ` +
          `${ledger.failures} refused (${ledger.fiveHundreds} 5xx): ${JSON.stringify(Object.fromEntries(ledger.refusals))}`,
      );
      expect(kills).toBe(CRASH_PROFILE.kills);
      expect(ledger.issued.size).toBeGreaterThan(0);
      expect(ledger.revoked.size).toBeGreaterThan(0);
    },
    CRASH_PROFILE.timeoutMs,
  );
});

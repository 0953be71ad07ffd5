import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { systemContext } from '../request-context.js';
import { openPkiHarness } from '../../test/harness/pki-harness.js';
import type { PkiHarness } from '../../test/harness/pki-harness.js';

describe('CRL publisher', () => {
  let h: PkiHarness;
  let caId: string;
  const crlNumber = () =>
    (
      h.temp.database.sqlite.prepare('SELECT crl_number AS n FROM crls WHERE ca_id = ?').get(caId) as
        { n: number } | undefined
    )?.n;

  beforeAll(async () => {
    h = await openPkiHarness({ crlValiditySeconds: 3600 });
    caId = (
      await h.pki.cas.createRoot(h.ctx, {
        name: 'CRL Root',
        subject: { commonName: 'CRL Root' },
        algorithm: 'ec-p384',
        validityDays: 30,
      })
    ).id;
  });
  afterAll(async () => h.cleanup());

  it('publishes a first CRL on demand and serves the cached one afterwards', async () => {
    const first = await h.pki.crls.getCrl(h.ctx, caId);
    expect(crlNumber()).toBe(1);
    expect(Buffer.from(await h.pki.crls.getCrl(h.ctx, caId)).equals(Buffer.from(first))).toBe(true);
    expect(crlNumber()).toBe(1);
  });

  it('coalesces a burst of publications into the running one plus one more', async () => {
    const before = crlNumber() ?? 0;
    const results = await Promise.all(Array.from({ length: 10 }, () => h.pki.crls.publish(h.ctx, caId)));
    expect(new Set(results.map((result) => result.crlNumber)).size).toBe(2);
    expect(crlNumber()).toBe(before + 2);
  });

  it('the scheduler republishes only CRLs past half their validity', async () => {
    expect(await h.pki.crls.refreshDue()).toBe(0);
    h.temp.database.sqlite.prepare('UPDATE crls SET next_update = ? WHERE ca_id = ?').run(Date.now() + 60_000, caId);
    const before = crlNumber() ?? 0;
    expect(await h.pki.crls.refreshDue()).toBe(1);
    expect(crlNumber()).toBe(before + 1);
    const stop = h.pki.crls.startCrlScheduler({ intervalMs: 60_000 });
    stop();
  });

  it('each scheduler run records its rows as system:crl-scheduler under a request id of its own', async () => {
    const schedulerRows = () =>
      h.temp.database.sqlite
        .prepare("SELECT operation, request_id FROM audit_log WHERE actor = 'system:crl-scheduler' ORDER BY seq")
        .all() as { operation: string; request_id: string }[];
    const before = schedulerRows().length;
    for (let run = 0; run < 2; run++) {
      h.temp.database.sqlite.prepare('UPDATE crls SET next_update = ? WHERE ca_id = ?').run(Date.now() + 60_000, caId);
      expect(await h.pki.crls.refreshDue()).toBe(1);
    }
    const rows = schedulerRows().slice(before);
    expect(rows.map((row) => row.operation)).toEqual(['kms.sign', 'crl.publish', 'kms.sign', 'crl.publish']);
    const [first, , second] = rows.map((row) => row.request_id);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows[1]?.request_id).toBe(first);
    expect(second).not.toBe(first);
  });

  it('a CRL published on demand carries the asking request', async () => {
    h.temp.database.sqlite.prepare('UPDATE crls SET next_update = ? WHERE ca_id = ?').run(Date.now() - 1, caId);
    await h.pki.crls.getCrl(systemContext('crl', 'crl-request-1'), caId);
    const rows = h.temp.database.sqlite
      .prepare("SELECT operation, actor FROM audit_log WHERE request_id = 'crl-request-1' ORDER BY seq")
      .all();
    expect(rows).toEqual([
      { operation: 'kms.sign', actor: 'system:crl' },
      { operation: 'crl.publish', actor: 'system:crl' },
    ]);
  });
});

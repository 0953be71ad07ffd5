/**
 * Issue 15: hostile HTTP. Oversized, deeply nested, malformed and mis-encoded bodies get a
 * clear 4xx and change nothing; no batch may stall the server; API answers carry
 * `Cache-Control: no-store`, every answer a `Permissions-Policy`, and `X-Frame-Options`
 * agrees with the CSP's `frame-ancestors 'none'` (DENY).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CaSummary } from '@pki/shared';

import { MAX_TRPC_BATCH_SIZE } from '@pki/shared';

import type { AppServices } from '../../src/services.js';
import type { Actor } from '../harness/act-as.js';
import { openAdminApp, tableRowCounts } from '../harness/admin-app.js';
import type { TestApp } from '../helpers.js';

let testApp: TestApp;
let services: AppServices;
let admin: Actor;
let root: CaSummary;
let caId: string;

const auditRows = () =>
  (services.database.sqlite.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;

const post = (url: string, payload: string | Buffer, contentType = 'application/json') =>
  testApp.app.inject({ method: 'POST', url, headers: { ...admin.headers, 'content-type': contentType }, payload });

interface TrpcErrorBody {
  error: { data: { httpStatus: number; appCode: string } };
}

beforeAll(async () => {
  ({ testApp, services, admin, root } = await openAdminApp('Hostile Root'));
  caId = root.id;
});

afterAll(async () => {
  await testApp.close();
});

describe('issue 15: hostile bodies get a clear 4xx and change nothing', () => {
  it('a 10 MB body is refused with 413 on tRPC, hot procedures and OCSP', async () => {
    const before = tableRowCounts(services, ['audit_log']);
    const huge = JSON.stringify({ caId, profile: 'tls-server', csr: 'A'.repeat(10 * 1024 * 1024) });
    for (const url of ['/trpc/certificates.issueFromCsr', '/trpc/certificates.revoke', '/trpc/auth.signIn']) {
      const response = await post(url, huge);
      expect(response.statusCode, url).toBe(413);
      expect(response.headers['content-type'], url).toMatch(/json/);
    }
    const ocsp = await post('/ocsp', Buffer.alloc(10 * 1024 * 1024, 0x30), 'application/ocsp-request');
    expect(ocsp.statusCode).toBeGreaterThanOrEqual(200);
    expect(ocsp.statusCode).toBeLessThan(500);
    expect(tableRowCounts(services, ['audit_log'])).toEqual(before);
  });

  it('malformed JSON answers 400 with appCode INVALID_JSON, not INTERNAL', async () => {
    const before = tableRowCounts(services, ['audit_log']);
    for (const url of ['/trpc/certificates.issueFromCsr', '/trpc/certificates.revoke']) {
      const response = await post(url, '{"caId": ');
      expect(response.statusCode, url).toBe(400);
      const body = response.json<TrpcErrorBody>();
      expect(body.error.data.appCode, url).toBe('INVALID_JSON');
    }
    expect(tableRowCounts(services, ['audit_log'])).toEqual(before);
  });

  it('deeply nested JSON (200,000 levels) is a 4xx, not a stack overflow', async () => {
    const before = tableRowCounts(services, ['audit_log']);
    const auditBefore = auditRows();
    const nested = `{"caId":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    for (const url of ['/trpc/certificates.issueFromCsr', '/trpc/keys.destroy']) {
      const response = await post(url, nested);
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, url).toBeLessThan(500);
    }
    const get = await testApp.app.inject({
      method: 'GET',
      url: `/trpc/certificates.list?input=${encodeURIComponent(`${'['.repeat(50_000)}${']'.repeat(50_000)}`)}`,
      headers: admin.headers,
    });
    expect(get.statusCode).toBeGreaterThanOrEqual(400);
    expect(get.statusCode).toBeLessThan(500);
    expect(tableRowCounts(services, ['audit_log'])).toEqual(before);
    expect(auditRows() - auditBefore).toBeLessThanOrEqual(3);
  });

  it('invalid UTF-8 is a 4xx', async () => {
    const before = tableRowCounts(services, ['audit_log']);
    const invalid = Buffer.concat([
      Buffer.from('{"caId":"'),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]),
      Buffer.from('","profile":"tls-server","csr":"x"}'),
    ]);
    const auditBefore = auditRows();
    const response = await post('/trpc/certificates.issueFromCsr', invalid);
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(tableRowCounts(services, ['audit_log'])).toEqual(before);
    expect(auditRows() - auditBefore).toBeLessThanOrEqual(1);
  });

  it('a body of the wrong content type is a 415', async () => {
    const response = await post('/trpc/certificates.issueFromCsr', 'caId=x', 'application/x-www-form-urlencoded');
    expect(response.statusCode).toBe(415);
  });
});

describe('issue 15: no batch may stall the server', () => {
  const verifyBatch = (count: number) =>
    testApp.app.inject({
      method: 'GET',
      url: `/trpc/${Array.from({ length: count }, () => 'audit.verifyChain').join(',')}?batch=1&input=${encodeURIComponent('{}')}`,
      headers: admin.headers,
    });

  it(`refuses a batch of 226 verifyChain calls, and any batch over ${MAX_TRPC_BATCH_SIZE} calls`, async () => {
    const response = await verifyBatch(226);
    expect(response.statusCode).toBe(400);
    const many = Array.from({ length: MAX_TRPC_BATCH_SIZE + 1 }, () => 'profiles.list').join(',');
    const tooMany = await testApp.app.inject({
      method: 'GET',
      url: `/trpc/${many}?batch=1&input=${encodeURIComponent('{}')}`,
      headers: admin.headers,
    });
    expect(tooMany.statusCode).toBe(400);
  });

  it('runs one verifyChain alone, refuses two in one batch, and still serves a full batch of cheap calls', async () => {
    const alone = await testApp.app.inject({ method: 'GET', url: '/trpc/audit.verifyChain', headers: admin.headers });
    expect(alone.statusCode).toBe(200);
    const two = await verifyBatch(2);
    expect(two.statusCode).toBe(400);
    expect(two.json<TrpcErrorBody>().error.data.appCode).toBe('BAD_REQUEST');
    const cheap = Array.from({ length: MAX_TRPC_BATCH_SIZE }, () => 'profiles.list').join(',');
    const full = await testApp.app.inject({
      method: 'GET',
      url: `/trpc/${cheap}?batch=1&input=${encodeURIComponent('{}')}`,
      headers: admin.headers,
    });
    expect(full.statusCode).toBe(200);
  });
});

describe('issue 15: response headers', () => {
  it('API answers say no-store; CRL and CA certificates keep their own caching', async () => {
    const trpc = await testApp.app.inject({ method: 'GET', url: '/trpc/profiles.list', headers: admin.headers });
    expect(trpc.headers['cache-control']).toBe('no-store');
    const refused = await post('/trpc/certificates.revoke', '{');
    expect(refused.headers['cache-control']).toBe('no-store');
    const health = await testApp.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.headers['cache-control']).toBe('no-store');
    const crl = await testApp.app.inject({ method: 'GET', url: `/crl/${caId}.crl` });
    const caCert = await testApp.app.inject({ method: 'GET', url: `/ca/${caId}.crt` });
    for (const response of [crl, caCert]) {
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toMatch(/max-age/);
    }
  });

  it('X-Frame-Options is DENY, as CSP frame-ancestors none says, and Permissions-Policy is set', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(response.headers['permissions-policy']).toMatch(/camera=\(\)/);
  });
});

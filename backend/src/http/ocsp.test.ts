import { afterEach, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { MAX_OCSP_REQUEST_BYTES, OCSP_UNSUCCESSFUL, decodeGetPath } from './ocsp.js';

let testApp: TestApp | undefined;
afterEach(async () => {
  await testApp?.close();
  testApp = undefined;
});

const malformedRequest = OCSP_UNSUCCESSFUL.malformedRequest;

describe('OCSP over HTTP with bad requests', () => {
  it.each([
    ['garbage', Buffer.from('not an OCSP request at all')],
    ['a truncated SEQUENCE', Buffer.from([0x30, 0x82, 0x01, 0x00, 0x30])],
    ['an empty SEQUENCE', Buffer.from([0x30, 0x00])],
  ])('answers %s with an OCSP malformedRequest, HTTP 200, never a 500', async (_label, body) => {
    testApp = await buildTestApp();
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/ocsp',
      headers: { 'content-type': 'application/ocsp-request' },
      payload: body,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/ocsp-response');
    expect(response.rawPayload.equals(malformedRequest)).toBe(true);
  });

  it('answers an empty body, a wrong content type and an oversized body in OCSP terms too', async () => {
    testApp = await buildTestApp();
    const empty = await testApp.app.inject({
      method: 'POST',
      url: '/ocsp',
      headers: { 'content-type': 'application/ocsp-request' },
    });
    expect(empty.rawPayload.equals(malformedRequest)).toBe(true);
    const json = await testApp.app.inject({
      method: 'POST',
      url: '/ocsp',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":1}',
    });
    expect(json.statusCode).toBe(200);
    expect(json.rawPayload.equals(malformedRequest)).toBe(true);
    const oversized = await testApp.app.inject({
      method: 'POST',
      url: '/ocsp',
      headers: { 'content-type': 'application/ocsp-request' },
      payload: Buffer.alloc(MAX_OCSP_REQUEST_BYTES + 1, 0x30),
    });
    expect(oversized.statusCode).toBe(200);
    expect(oversized.rawPayload.equals(malformedRequest)).toBe(true);
  });

  it.each([
    '/ocsp',
    '/ocsp/',
    '/ocsp/%%%',
    '/ocsp/not*base64',
    `/ocsp/${encodeURIComponent(Buffer.from('junk').toString('base64'))}`,
  ])('answers GET %s with malformedRequest', async (url) => {
    testApp = await buildTestApp();
    const response = await testApp.app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.equals(malformedRequest)).toBe(true);
  });
});

describe('OCSP per-client limit (issue 15)', () => {
  it('answers a client beyond its budget with OCSP tryLater, HTTP 200 and Retry-After, and other clients still', async () => {
    testApp = await buildTestApp({}, { ocspClientLimits: { capacity: 5, refillPerSecond: 0.01, maxClients: 10 } });
    const ask = (remoteAddress: string) =>
      testApp?.app.inject({
        method: 'POST',
        url: '/ocsp',
        remoteAddress,
        headers: { 'content-type': 'application/ocsp-request' },
        payload: Buffer.from([0x30, 0x00]),
      });
    const answers = [];
    for (let index = 0; index < 8; index++) answers.push(await ask('192.0.2.10'));
    const limited = answers.filter((answer) => answer?.rawPayload.equals(OCSP_UNSUCCESSFUL.tryLater));
    expect(limited).toHaveLength(3);
    expect(limited[0]?.statusCode).toBe(200);
    expect(limited[0]?.headers['content-type']).toBe('application/ocsp-response');
    expect(limited[0]?.headers['retry-after']).toBe('1');
    expect(answers[0]?.rawPayload.equals(malformedRequest)).toBe(true);
    const other = await ask('192.0.2.11');
    expect(other?.rawPayload.equals(malformedRequest)).toBe(true);
  });
});

describe('decodeGetPath (RFC 6960 A.1)', () => {
  const der = Buffer.from([0x30, 0x03, 0x02, 0x01, 0xfb, 0xff, 0xbf]);
  const base64 = der.toString('base64');

  it('accepts the path escaped or raw, and base64url', () => {
    expect(decodeGetPath(`/ocsp/${encodeURIComponent(base64)}`)).toEqual(der);
    expect(decodeGetPath(`/ocsp/${base64}`)).toEqual(der);
    expect(decodeGetPath(`/ocsp/${der.toString('base64url')}`)).toEqual(der);
    expect(decodeGetPath(`/ocsp/${encodeURIComponent(base64)}?cache=bust`)).toEqual(der);
  });

  it('refuses what is not base64', () => {
    expect(decodeGetPath('/ocsp/')).toBeUndefined();
    expect(decodeGetPath('/ocsp/a%ZZ')).toBeUndefined();
    expect(decodeGetPath('/ocsp/ab cd')).toBeUndefined();
  });
});

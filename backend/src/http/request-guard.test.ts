/**
 * The browser request rule on the real app: a cross-origin mutation with a valid session
 * cookie is refused, so is one without the custom header, a bearer-only call (the CLI)
 * passes without it, and a foreign Host is refused (DNS rebinding) while the public URL's
 * host, PKI_ALLOWED_HOSTS and loopback pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { actAs, tokenAs } from '../../test/harness/act-as.js';
import type { Actor, TokenActor } from '../../test/harness/act-as.js';

let testApp: TestApp;
let admin: Actor;
let token: TokenActor;
const CREATE_ROOT = JSON.stringify({
  name: 'Guard Root',
  subject: { commonName: 'Guard Root' },
  algorithm: 'ec-p384',
  validityDays: 30,
});

beforeAll(async () => {
  testApp = await buildTestApp({ PKI_PUBLIC_URL: 'https://pki.example.test', PKI_ALLOWED_HOSTS: 'pki.internal.test' });
  admin = await actAs(testApp.app.services, 'admin');
  token = await tokenAs(testApp.app.services, 'admin', { creator: admin });
}, 60_000);

afterAll(async () => {
  await testApp?.close();
});

function setDualControl(headers: Record<string, string>) {
  return testApp.app.inject({
    method: 'POST',
    url: '/trpc/settings.setDualControl',
    headers: { 'content-type': 'application/json', host: 'pki.example.test', ...headers },
    payload: JSON.stringify({ isEnabled: true }),
  });
}

function codeOf(response: { json: () => unknown }): string | undefined {
  const body = response.json() as { code?: string; error?: { data?: { appCode?: string } } };
  return body.code ?? body.error?.data?.appCode;
}

describe('CSRF: state-changing requests with the session cookie', () => {
  it('refuses a mutation without X-PKI-Request, even with a valid cookie', async () => {
    const response = await setDualControl({ cookie: admin.headers.cookie ?? '' });
    expect(response.statusCode).toBe(403);
    expect(codeOf(response)).toBe('CSRF_REFUSED');
    expect(testApp.app.services.auth.settings.isDualControlEnabled()).toBe(false);
  });

  it('refuses a cross-origin mutation with the header and a valid cookie', async () => {
    const crossSites: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const crossSite of crossSites) {
      const response = await setDualControl({ ...admin.headers, ...crossSite });
      expect(response.statusCode, JSON.stringify(crossSite)).toBe(403);
      expect(codeOf(response)).toBe('CSRF_REFUSED');
    }
    expect(testApp.app.services.auth.settings.isDualControlEnabled()).toBe(false);
  });

  it('refuses a sign-in without the header (login CSRF)', async () => {
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/trpc/auth.signIn',
      headers: { 'content-type': 'application/json', host: 'pki.example.test' },
      payload: JSON.stringify({ username: admin.username, password: admin.password }),
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('lets a same-origin console request and a header-only CLI request through', async () => {
    const sameOrigin = await setDualControl({
      ...admin.headers,
      origin: 'https://pki.example.test',
      'sec-fetch-site': 'same-origin',
    });
    expect(sameOrigin.statusCode, sameOrigin.body).toBe(200);
    const cli = await testApp.app.inject({
      method: 'POST',
      url: '/trpc/settings.setDualControl',
      headers: { 'content-type': 'application/json', ...admin.headers },
      payload: JSON.stringify({ isEnabled: true }),
    });
    expect(cli.statusCode, cli.body).toBe(200);
  });

  it('lets a bearer-token call through without the header: no ambient credential to forge', async () => {
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/trpc/cas.createRoot',
      headers: { 'content-type': 'application/json', ...token.headers },
      payload: CREATE_ROOT,
    });
    expect(response.statusCode, response.body).toBe(200);
  });
});

describe('the session cookie behind an https public URL', () => {
  it('is Secure as well as HttpOnly and SameSite=Strict', async () => {
    const response = await testApp.app.inject({
      method: 'POST',
      url: '/trpc/auth.signIn',
      headers: { 'content-type': 'application/json', host: 'pki.example.test', 'x-pki-request': '1' },
      payload: JSON.stringify({ username: admin.username, password: admin.password }),
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(String(response.headers['set-cookie'])).toMatch(
      /^pki_session=[^;]+; Expires=[^;]+; HttpOnly; SameSite=Strict; Path=\/; Secure$/,
    );
  });
});

describe('Host check (DNS rebinding)', () => {
  it('refuses a Host that is not the public URL’s, an allowed one or loopback', async () => {
    for (const host of ['evil.example', 'evil.example:3000', 'pki.example.test.evil.example']) {
      const response = await testApp.app.inject({
        method: 'GET',
        url: '/trpc/auth.me',
        headers: { ...admin.headers, host },
      });
      expect(response.statusCode, host).toBe(403);
      expect(codeOf(response)).toBe('HOST_NOT_ALLOWED');
    }
    const crl = await testApp.app.inject({ method: 'GET', url: '/ca/none.crt', headers: { host: 'evil.example' } });
    expect(crl.statusCode).toBe(403);
  });

  it('accepts the public URL’s host, PKI_ALLOWED_HOSTS and loopback names, with or without a port', async () => {
    for (const host of [
      'pki.example.test',
      'PKI.example.test:443',
      'pki.internal.test:8443',
      'localhost:3000',
      '127.0.0.1',
      '[::1]:3000',
    ]) {
      const response = await testApp.app.inject({
        method: 'GET',
        url: '/trpc/auth.me',
        headers: { ...admin.headers, host },
      });
      expect(response.statusCode, host).toBe(200);
    }
  });

  it('keeps the probes reachable by any name (orchestrators call them by IP)', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/healthz', headers: { host: '10.1.2.3:3000' } });
    expect(response.statusCode).toBe(200);
  });
});

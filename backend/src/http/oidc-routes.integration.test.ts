/**
 * OpenID Connect sign-in end to end (issue 11): the real app (`buildApp` + `app.inject`)
 * against a real OpenID Provider (oidc-provider on a loopback port, started here). The
 * provider's redirects are followed by the harness as a browser would; our own routes are
 * called with the cookies a browser would carry.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { startOidcProvider, unusedLoopbackPort } from '../../test/harness/oidc-provider.js';
import type { OidcTestAccount, RunningOidcProvider } from '../../test/harness/oidc-provider.js';
import { capturingLogger } from '../../test/harness/temp-local-store.js';
import { actAs } from '../../test/harness/act-as.js';

const PUBLIC_URL = 'http://127.0.0.1:3999';
const CLIENT = { clientId: 'pki-manager', clientSecret: 'a-client-secret-for-tests-only' };
const ACCOUNTS: Record<string, OidcTestAccount> = {
  'sub-admin': { preferredUsername: 'ada', groups: ['staff', 'pki-admins'] },
  'sub-operator': { preferredUsername: 'otto', groups: ['pki-operators'] },
  'sub-auditor': { preferredUsername: 'aude', groups: ['pki-auditors'] },
  'sub-several': { preferredUsername: 'sev', groups: ['pki-auditors', 'pki-operators'] },
  'sub-unmapped': { preferredUsername: 'una', groups: ['staff', 'marketing'] },
  'sub-changing': { preferredUsername: 'chan', groups: ['pki-operators'] },
  // Claims the name of the local first-start admin.
  'sub-impostor': { preferredUsername: 'admin', groups: ['pki-admins'] },
};

function oidcEnv(issuer: string): Record<string, string> {
  return {
    PKI_PUBLIC_URL: PUBLIC_URL,
    PKI_OIDC_ISSUER: issuer,
    PKI_OIDC_CLIENT_ID: CLIENT.clientId,
    PKI_OIDC_CLIENT_SECRET: CLIENT.clientSecret,
    PKI_OIDC_ROLES: 'admin:pki-admins,operator:pki-operators,auditor:pki-auditors',
    PKI_OIDC_NAME: 'Test IdP',
  };
}

function cookieOf(response: LightMyRequestResponse, name: string): string | undefined {
  return response.cookies.find((cookie) => cookie.name === name && cookie.value !== '')?.value;
}

describe('OpenID Connect sign-in against oidc-provider', () => {
  let provider: RunningOidcProvider;
  let testApp: TestApp;
  let host: string;

  beforeAll(async () => {
    provider = await startOidcProvider({
      ...CLIENT,
      redirectUri: `${PUBLIC_URL}/auth/oidc/callback`,
      accounts: ACCOUNTS,
    });
    host = new URL(provider.issuer).host;
  });

  afterAll(async () => {
    await provider.close();
  });

  afterEach(async () => {
    await testApp.close();
  });

  async function startSignIn(returnTo = '/certificates'): Promise<{ location: string; flowCookie: string }> {
    const start = await testApp.app.inject({
      method: 'GET',
      url: `/auth/oidc/start?returnTo=${encodeURIComponent(returnTo)}`,
    });
    expect(start.statusCode).toBe(302);
    const flowCookie = cookieOf(start, 'pki_oidc_flow');
    expect(flowCookie).toBeDefined();
    return { location: String(start.headers.location), flowCookie: flowCookie ?? '' };
  }

  async function callback(url: URL, flowCookie: string | undefined): Promise<LightMyRequestResponse> {
    expect(url.origin + url.pathname).toBe(`${PUBLIC_URL}/auth/oidc/callback`);
    return testApp.app.inject({
      method: 'GET',
      url: `${url.pathname}${url.search}`,
      headers: flowCookie === undefined ? {} : { cookie: `pki_oidc_flow=${flowCookie}` },
    });
  }

  async function signIn(
    subject: string | null,
    options: { returnTo?: string; editAuthorizationUrl?: (url: URL) => void } = {},
  ): Promise<LightMyRequestResponse> {
    const { location, flowCookie } = await startSignIn(options.returnTo);
    return callback(await provider.signIn(location, subject, options.editAuthorizationUrl), flowCookie);
  }

  async function me(sessionCookie: string): Promise<unknown> {
    const response = await testApp.app.inject({
      method: 'GET',
      url: '/trpc/auth.me',
      headers: { cookie: `pki_session=${sessionCookie}` },
    });
    expect(response.statusCode).toBe(200);
    return response.json<{ result: { data: unknown } }>().result.data;
  }

  /** Anonymous refusals are counted at once and written as one row per address and minute. */
  async function anonymousRefusals(): Promise<{ byReason: Readonly<Record<string, number>>; rows: unknown[] }> {
    const { denials } = testApp.app.services.auth;
    await denials.flush(true);
    const rows = testApp.app.services.auditLog.list({ operation: 'auth.denied' }).items;
    return { byReason: denials.counts().byReason, rows };
  }

  function oidcRows(): ReturnType<TestApp['app']['services']['auditLog']['list']>['items'] {
    return testApp.app.services.auditLog.list({ operation: 'auth.oidcSignIn' }).items;
  }

  it.each([
    ['sub-admin', 'ada', 'admin'],
    ['sub-operator', 'otto', 'operator'],
    ['sub-auditor', 'aude', 'auditor'],
    ['sub-several', 'sev', 'operator'],
  ] as const)('signs %s in as %s with the role %s, and the session works', async (subject, username, role) => {
    testApp = await buildTestApp(oidcEnv(provider.issuer));
    const response = await signIn(subject);

    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/certificates');
    const session = cookieOf(response, 'pki_session');
    expect(session).toBeDefined();
    expect(await me(session ?? '')).toMatchObject({ username, role, actor: `oidc:${host}/${subject}` });

    const [row] = oidcRows();
    expect(row).toMatchObject({
      actor: `oidc:${host}/${subject}`,
      status: 'success',
      details: { issuer: provider.issuer, subject, username, role },
    });
    expect(row?.entityId).toEqual(expect.any(String));
  });

  it('refuses and audits a user none of whose groups maps to a role, and makes no session', async () => {
    testApp = await buildTestApp(oidcEnv(provider.issuer));
    const response = await signIn('sub-unmapped');

    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/sign-in?error=OIDC_NO_ROLE');
    expect(cookieOf(response, 'pki_session')).toBeUndefined();
    expect(oidcRows()).toEqual([
      expect.objectContaining({
        actor: `oidc:${host}/sub-unmapped`,
        status: 'failure',
        details: expect.objectContaining({
          subject: 'sub-unmapped',
          errorCode: 'OIDC_NO_ROLE',
          claimValues: ['staff', 'marketing'],
        }) as unknown,
      }),
    ]);
    expect(testApp.app.services.auditLog.list({ operation: 'user.upsertOidc' }).items).toEqual([]);
  });

  it('refuses a replayed state, even with the cookie of the browser that started it', async () => {
    testApp = await buildTestApp(oidcEnv(provider.issuer));
    const { location, flowCookie } = await startSignIn();
    const callbackUrl = await provider.signIn(location, 'sub-admin');
    expect(cookieOf(await callback(callbackUrl, flowCookie), 'pki_session')).toBeDefined();

    const replay = await callback(callbackUrl, flowCookie);
    expect(replay.headers.location).toBe('/sign-in?error=OIDC_STATE_INVALID');
    expect(cookieOf(replay, 'pki_session')).toBeUndefined();
    expect(oidcRows()).toHaveLength(1);
    const refusals = await anonymousRefusals();
    expect(refusals.byReason).toMatchObject({ OIDC_STATE_INVALID: 1 });
    expect(refusals.rows).toEqual([
      expect.objectContaining({
        actor: 'anonymous',
        status: 'denied',
        details: expect.objectContaining({ count: 1, procedures: ['auth.oidcCallback'] }) as unknown,
      }),
    ]);
  });

  it('refuses a callback in a browser that did not start the flow (no flow cookie)', async () => {
    testApp = await buildTestApp(oidcEnv(provider.issuer));
    const { location } = await startSignIn();
    const response = await callback(await provider.signIn(location, 'sub-admin'), undefined);
    expect(response.headers.location).toBe('/sign-in?error=OIDC_STATE_INVALID');
    expect(cookieOf(response, 'pki_session')).toBeUndefined();
  });

  it("refuses an ID token issued for another flow's nonce", async () => {
    testApp = await buildTestApp(oidcEnv(provider.issuer));
    const other = new URL((await startSignIn()).location);
    const response = await signIn('sub-admin', {
      editAuthorizationUrl: (url) => url.searchParams.set('nonce', other.searchParams.get('nonce') ?? ''),
    });
    expect(response.headers.location).toBe('/sign-in?error=OIDC_NONCE_MISMATCH');
    expect(cookieOf(response, 'pki_session')).toBeUndefined();
    expect(oidcRows()).toEqual([]);
    expect((await anonymousRefusals()).byReason).toMatchObject({ OIDC_NONCE_MISMATCH: 1 });
  });

  it('sends a user who cancels at the provider back to the sign-in page', async () => {
    testApp = await buildTestApp(oidcEnv(provider.issuer));
    const response = await signIn(null);
    expect(response.headers.location).toBe('/sign-in?error=OIDC_PROVIDER_REFUSED');
    expect(cookieOf(response, 'pki_session')).toBeUndefined();
    expect((await anonymousRefusals()).byReason).toMatchObject({ OIDC_PROVIDER_REFUSED: 1 });
  });

  it.each(['https://evil.example/phish', '//evil.example/phish', '/\\evil.example'])(
    'ignores a returnTo of another origin (%s) and lands on /',
    async (returnTo) => {
      testApp = await buildTestApp(oidcEnv(provider.issuer));
      const response = await signIn('sub-operator', { returnTo });
      expect(response.headers.location).toBe('/');
      expect(cookieOf(response, 'pki_session')).toBeDefined();
    },
  );

  it('takes the role from the claims at every sign-in, for the same user', async () => {
    testApp = await buildTestApp(oidcEnv(provider.issuer));
    expect((await signIn('sub-changing')).statusCode).toBe(302);
    ACCOUNTS['sub-changing'] = { preferredUsername: 'chan', groups: ['pki-auditors'] };
    const again = await signIn('sub-changing');
    expect(await me(cookieOf(again, 'pki_session') ?? '')).toMatchObject({ username: 'chan', role: 'auditor' });
    const [second, first] = oidcRows();
    expect([first?.details.role, second?.details.role]).toEqual(['operator', 'auditor']);
    expect(second?.entityId).toBe(first?.entityId);
  });

  it('refuses a user an administrator disabled, and audits it under the identity', async () => {
    testApp = await buildTestApp(oidcEnv(provider.issuer));
    const first = await signIn('sub-operator');
    const admin = await actAs(testApp.app.services, 'admin');
    await admin.caller.users.disable({ username: 'otto' });

    const response = await signIn('sub-operator');
    expect(response.headers.location).toBe('/sign-in?error=OIDC_USER_DISABLED');
    expect(cookieOf(response, 'pki_session')).toBeUndefined();
    expect(oidcRows()[0]).toMatchObject({
      actor: `oidc:${host}/sub-operator`,
      status: 'failure',
      details: { errorCode: 'OIDC_USER_DISABLED' },
    });
    const stale = await testApp.app.inject({
      method: 'GET',
      url: '/trpc/auth.me',
      headers: { cookie: `pki_session=${cookieOf(first, 'pki_session') ?? ''}` },
    });
    expect(stale.statusCode).toBe(401);
  });

  it('never signs an identity in as a local user of the same name', async () => {
    testApp = await buildTestApp(oidcEnv(provider.issuer));
    const response = await signIn('sub-impostor');
    expect(response.headers.location).toBe('/sign-in?error=USERNAME_TAKEN');
    expect(cookieOf(response, 'pki_session')).toBeUndefined();
  });

  it('offers the provider by name on the sign-in page', async () => {
    testApp = await buildTestApp(oidcEnv(provider.issuer));
    const response = await testApp.app.inject({ method: 'GET', url: '/trpc/auth.methods' });
    expect(response.json()).toMatchObject({
      result: { data: { isPasswordEnabled: true, oidc: { name: 'Test IdP' } } },
    });
  });

  it('is not there when OIDC is not configured', async () => {
    testApp = await buildTestApp({ PKI_PUBLIC_URL: PUBLIC_URL });
    expect((await testApp.app.inject({ method: 'GET', url: '/auth/oidc/start' })).statusCode).toBe(404);
    expect((await testApp.app.inject({ method: 'GET', url: '/auth/oidc/callback' })).statusCode).toBe(404);
  });
});

describe('OpenID Connect sign-in while the provider is down', () => {
  it('starts the app, says so in the log, refuses sign-in as unavailable, and recovers', async () => {
    const port = await unusedLoopbackPort();
    const issuer = `http://127.0.0.1:${port}`;
    const { log, lines } = capturingLogger();
    const testApp = await buildTestApp(oidcEnv(issuer), { logger: log });
    try {
      const down = await testApp.app.inject({ method: 'GET', url: '/auth/oidc/start?returnTo=/' });
      expect(down.statusCode).toBe(302);
      expect(down.headers.location).toBe('/sign-in?error=OIDC_UNAVAILABLE');
      expect(lines.some((line) => line.msg.startsWith('OpenID provider unreachable'))).toBe(true);

      const provider = await startOidcProvider({
        ...CLIENT,
        redirectUri: `${PUBLIC_URL}/auth/oidc/callback`,
        accounts: ACCOUNTS,
        port,
      });
      try {
        const up = await testApp.app.inject({ method: 'GET', url: '/auth/oidc/start?returnTo=/' });
        expect(String(up.headers.location)).toMatch(new RegExp(`^${issuer}/`));
      } finally {
        await provider.close();
      }
    } finally {
      await testApp.close();
    }
  });
});

/**
 * OidcClient against a real OpenID Provider (oidc-provider, started here): discovery, the
 * authorization request, and verification of what comes back.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startOidcProvider, unusedLoopbackPort } from '../../../test/harness/oidc-provider.js';
import type { RunningOidcProvider } from '../../../test/harness/oidc-provider.js';
import type { OidcConfig } from '../../config.js';
import { OidcSignInError } from '../../errors.js';
import { OidcClient } from './oidc-client.js';

const REDIRECT_URI = 'http://127.0.0.1:3999/auth/oidc/callback';
const CLIENT = { clientId: 'pki-manager', clientSecret: 'a-client-secret-for-tests-only' };

function clientConfig(issuer: string): OidcConfig {
  return {
    issuer,
    ...CLIENT,
    roleClaim: 'groups',
    roleMapping: [{ role: 'admin', claimValue: 'pki-admins' }],
    name: 'Test IdP',
    redirectUri: REDIRECT_URI,
  };
}

async function rejection(promise: Promise<unknown>): Promise<OidcSignInError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(OidcSignInError);
  return error as OidcSignInError;
}

describe('OidcClient against oidc-provider', () => {
  let provider: RunningOidcProvider;
  let client: OidcClient;

  beforeAll(async () => {
    provider = await startOidcProvider({
      ...CLIENT,
      redirectUri: REDIRECT_URI,
      accounts: { 'alice-sub': { preferredUsername: 'alice', groups: ['staff', 'pki-admins'] } },
    });
    client = new OidcClient(clientConfig(provider.issuer), pino({ level: 'silent' }));
  });

  afterAll(async () => {
    await provider.close();
  });

  it('asks for a code with PKCE (S256), state, nonce and the groups scope the provider offers', async () => {
    const { url, request } = await client.authorizationUrl();
    expect(url.origin).toBe(provider.issuer);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).not.toBe(request.pkceVerifier);
    expect(url.searchParams.get('state')).toBe(request.state);
    expect(url.searchParams.get('nonce')).toBe(request.nonce);
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(['openid', 'profile', 'groups']);
  });

  it('verifies the callback and returns the ID token claims with the groups from userinfo', async () => {
    const { url, request } = await client.authorizationUrl();
    const callback = await provider.signIn(url.href, 'alice-sub');
    const identity = await client.verifyCallback(callback, request);
    expect(identity).toMatchObject({ issuer: provider.issuer, subject: 'alice-sub' });
    expect(identity.claims).toMatchObject({ preferred_username: 'alice', groups: ['staff', 'pki-admins'] });
  });

  it("refuses an ID token issued for another flow's nonce", async () => {
    const { url, request } = await client.authorizationUrl();
    const other = await client.authorizationUrl();
    const callback = await provider.signIn(url.href, 'alice-sub', (tampered) => {
      tampered.searchParams.set('nonce', other.request.nonce);
    });
    expect((await rejection(client.verifyCallback(callback, request))).code).toBe('OIDC_NONCE_MISMATCH');
  });

  it('refuses a callback whose state is not the flow’s, and a code without its PKCE verifier', async () => {
    const { url, request } = await client.authorizationUrl();
    const callback = await provider.signIn(url.href, 'alice-sub');
    const wrongState = { ...request, state: 'another-state' };
    expect((await rejection(client.verifyCallback(callback, wrongState))).code).toBe('OIDC_RESPONSE_INVALID');
    const wrongVerifier = { ...request, pkceVerifier: 'x'.repeat(43) };
    expect((await rejection(client.verifyCallback(callback, wrongVerifier))).code).toBe('OIDC_PROVIDER_REFUSED');
  });
});

describe('OidcClient while the provider is down', () => {
  it('fails sign-in as unavailable, and discovers the provider once it is up', async () => {
    const port = await unusedLoopbackPort();
    const client = new OidcClient(clientConfig(`http://127.0.0.1:${port}`), pino({ level: 'silent' }));
    client.warmUp();
    expect((await rejection(client.authorizationUrl())).code).toBe('OIDC_UNAVAILABLE');

    const provider = await startOidcProvider({ ...CLIENT, redirectUri: REDIRECT_URI, accounts: {}, port });
    try {
      const { url } = await client.authorizationUrl();
      expect(url.origin).toBe(provider.issuer);
    } finally {
      await provider.close();
    }
  });
});

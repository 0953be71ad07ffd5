/**
 * Our client at the OpenID Provider, through openid-client (v6: fetch-based, ESM): the
 * authorization code flow with PKCE (S256), `state` and `nonce`.
 *
 * Discovery is lazy and retried: the app must start while the provider is down, so
 * `warmUp` at boot only logs the failure, and every sign-in that finds no configuration
 * tries again (concurrent sign-ins share one attempt). Until it succeeds, sign-in answers
 * OIDC_UNAVAILABLE.
 *
 * openid-client's errors are turned into OidcSignInError here, matched by class and code:
 * the routes and the audit rows only ever see our codes.
 */
import * as client from 'openid-client';
import type { Logger } from 'pino';

import type { OidcConfig } from '../../config.js';
import { OidcSignInError } from '../../errors.js';
import type { OidcSignInErrorCode } from '../../errors.js';

/** One request to the provider; a hanging provider must not hold a sign-in for long. */
const PROVIDER_TIMEOUT_SECONDS = 10;
const BASE_SCOPES = ['openid', 'profile', 'email'];

export interface AuthorizationRequest {
  state: string;
  nonce: string;
  pkceVerifier: string;
}

/** The verified identity: the ID token's claims, completed from userinfo where they lack the role claim. */
export interface VerifiedIdentity {
  issuer: string;
  subject: string;
  claims: Readonly<Record<string, unknown>>;
}

export class OidcClient {
  readonly #config: OidcConfig;
  readonly #log: Logger;
  #configuration: client.Configuration | undefined;
  #discovering: Promise<client.Configuration> | undefined;

  constructor(config: OidcConfig, log: Logger) {
    this.#config = config;
    this.#log = log;
  }

  /** Discovers at boot without holding it up; a failure is logged and retried at sign-in. */
  warmUp(): void {
    this.#discover().catch(() => {
      // Logged by #discover; the next sign-in tries again.
    });
  }

  /** Fresh `state`, `nonce` and PKCE verifier, and the provider URL that carries them. */
  async authorizationUrl(): Promise<{ url: URL; request: AuthorizationRequest }> {
    const configuration = await this.#discover();
    const request: AuthorizationRequest = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      pkceVerifier: client.randomPKCECodeVerifier(),
    };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.#config.redirectUri,
      response_type: 'code',
      scope: this.#scope(configuration),
      state: request.state,
      nonce: request.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(request.pkceVerifier),
      code_challenge_method: 'S256',
    });
    return { url, request };
  }

  /**
   * Checks the provider's redirect against the flow (`state`), exchanges the code with the
   * PKCE verifier, and verifies the ID token (signature, issuer, audience, expiry, `nonce`).
   */
  async verifyCallback(callbackUrl: URL, request: AuthorizationRequest): Promise<VerifiedIdentity> {
    const configuration = await this.#discover();
    try {
      const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
        expectedState: request.state,
        expectedNonce: request.nonce,
        pkceCodeVerifier: request.pkceVerifier,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (idToken === undefined) throw new OidcSignInError('OIDC_RESPONSE_INVALID', 'The provider sent no ID token.');
      let claims: Record<string, unknown> = { ...idToken };
      // Providers that follow the spec to the letter release scope claims (groups) only from userinfo.
      if (claims[this.#config.roleClaim] === undefined && configuration.serverMetadata().userinfo_endpoint) {
        const userInfo = await client.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
        claims = { ...userInfo, ...claims, [this.#config.roleClaim]: userInfo[this.#config.roleClaim] };
      }
      return { issuer: idToken.iss, subject: idToken.sub, claims };
    } catch (error) {
      throw asSignInError(error);
    }
  }

  /** The role claim's name as a scope too, where the provider offers one by that name (Okta's `groups`). */
  #scope(configuration: client.Configuration): string {
    const supported = configuration.serverMetadata().scopes_supported ?? [];
    const scopes = BASE_SCOPES.filter((scope) => scope === 'openid' || supported.includes(scope));
    if (supported.includes(this.#config.roleClaim)) scopes.push(this.#config.roleClaim);
    return scopes.join(' ');
  }

  #discover(): Promise<client.Configuration> {
    if (this.#configuration !== undefined) return Promise.resolve(this.#configuration);
    this.#discovering ??= this.#fetchConfiguration().finally(() => {
      this.#discovering = undefined;
    });
    return this.#discovering;
  }

  async #fetchConfiguration(): Promise<client.Configuration> {
    const issuer = new URL(this.#config.issuer);
    try {
      const configuration = await client.discovery(
        issuer,
        this.#config.clientId,
        { client_secret: this.#config.clientSecret },
        client.ClientSecretBasic(this.#config.clientSecret),
        {
          timeout: PROVIDER_TIMEOUT_SECONDS,
          // config.ts admits plain http only for a loopback issuer.
          ...(issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
        },
      );
      this.#configuration = configuration;
      this.#log.info({ issuer: this.#config.issuer }, 'OpenID provider discovered');
      return configuration;
    } catch (error) {
      this.#log.warn(
        { issuer: this.#config.issuer, err: error },
        'OpenID provider unreachable; sign-in with it fails until it answers (retried at each attempt)',
      );
      throw new OidcSignInError('OIDC_UNAVAILABLE', 'The identity provider cannot be reached; try again later.', {
        cause: error,
      });
    }
  }
}

const NETWORK_CODES = new Set(['OAUTH_TIMEOUT', 'OAUTH_ABORT']);

/** openid-client's failure → our code; the provider's own words stay in `cause`. */
export function asSignInError(error: unknown): OidcSignInError {
  if (error instanceof OidcSignInError) return error;
  const fail = (code: OidcSignInErrorCode, message: string): OidcSignInError =>
    new OidcSignInError(code, message, { cause: error });
  // fetch rejects with a TypeError when the connection fails.
  if (error instanceof TypeError)
    return fail('OIDC_UNAVAILABLE', 'The identity provider cannot be reached; try again later.');
  if (error instanceof client.AuthorizationResponseError || error instanceof client.ResponseBodyError) {
    return fail('OIDC_PROVIDER_REFUSED', `The identity provider refused the sign-in (${error.error}).`);
  }
  if (error instanceof client.ClientError) {
    if (NETWORK_CODES.has(error.code ?? '')) {
      return fail('OIDC_UNAVAILABLE', 'The identity provider did not answer in time.');
    }
    const claim = (error.cause as { cause?: { claim?: unknown } } | undefined)?.cause?.claim;
    if (error.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && claim === 'nonce') {
      return fail('OIDC_NONCE_MISMATCH', 'The identity token was issued for another sign-in.');
    }
    if (error.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
      return fail('OIDC_UNAVAILABLE', 'The identity provider answered with an error; try again later.');
    }
  }
  return fail('OIDC_RESPONSE_INVALID', "The identity provider's answer failed verification.");
}

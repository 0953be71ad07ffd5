/**
 * A real OpenID Provider for the sign-in tests: `oidc-provider` (the certified Node
 * implementation) on a free loopback port, with one confidential client registered for our
 * redirect URI and test accounts whose `groups` claim the test chooses.
 *
 * The provider's own devInteractions are off (they print warnings and render HTML forms);
 * instead this harness answers the interaction URL itself: `signIn` follows the
 * authorization redirect with a cookie jar, finishes the login prompt for the chosen
 * account through `provider.interactionFinished` — the API a real login page calls — and
 * returns the redirect back to us. Consent is implied by `loadExistingGrant`, as a company
 * IdP does for its own applications.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';

import Provider from 'oidc-provider';
import type { Adapter, AdapterPayload, Configuration, KoaContextWithOIDC } from 'oidc-provider';

export interface OidcTestAccount {
  preferredUsername: string;
  groups: readonly string[];
}

export interface OidcProviderOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Subject → account. */
  accounts: Readonly<Record<string, OidcTestAccount>>;
  /** A fixed port (to bring a provider up where the app expected one); a free one otherwise. */
  port?: number;
}

export interface RunningOidcProvider {
  issuer: string;
  port: number;
  /**
   * Plays the browser from the authorization URL our app redirected to: signs `subject` in
   * and returns the URL the provider sends the browser back to (our callback, with code
   * and state). `null` cancels at the login page instead (the provider then answers
   * `error=access_denied`). `editAuthorizationUrl` lets a test tamper with the request first.
   */
  signIn(authorizationUrl: string, subject: string | null, editAuthorizationUrl?: (url: URL) => void): Promise<URL>;
  close(): Promise<void>;
}

const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]+)$/;

/** Cookies of one simulated browser, for the provider's host only; paths are ignored. */
class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const isExpired = attributes.some((attribute) => /^\s*expires=Thu, 01 Jan 1970/i.test(attribute));
      if (isExpired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/**
 * The provider's storage for one test run: its own memory, forgotten at close (the built-in
 * memory adapter is process-wide and announces itself with a warning).
 */
function memoryAdapter(): (model: string) => Adapter {
  const payloads = new Map<string, AdapterPayload>();
  return (model) => {
    const key = (id: string): string => `${model}:${id}`;
    const findBy = (field: 'uid' | 'userCode', value: string): AdapterPayload | undefined =>
      [...payloads].find(([entryKey, payload]) => entryKey.startsWith(`${model}:`) && payload[field] === value)?.[1];
    return {
      upsert: async (id, payload) => {
        payloads.set(key(id), payload);
      },
      find: async (id) => payloads.get(key(id)),
      findByUid: async (uid) => findBy('uid', uid),
      findByUserCode: async (userCode) => findBy('userCode', userCode),
      consume: async (id) => {
        const payload = payloads.get(key(id));
        if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        payloads.delete(key(id));
      },
      revokeByGrantId: async (grantId) => {
        for (const [entryKey, payload] of payloads) if (payload.grantId === grantId) payloads.delete(entryKey);
      },
    };
  };
}

/** Lifetimes set explicitly, so the provider has nothing to announce; all outlive a test. */
const TEN_MINUTES = 600;
const TTL: Configuration['ttl'] = {
  AccessToken: TEN_MINUTES,
  AuthorizationCode: 60,
  Grant: TEN_MINUTES,
  IdToken: TEN_MINUTES,
  Interaction: TEN_MINUTES,
  Session: TEN_MINUTES,
};

export async function startOidcProvider(options: OidcProviderOptions): Promise<RunningOidcProvider> {
  const server = createServer();
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;

  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const configuration: Configuration = {
    adapter: memoryAdapter(),
    ttl: TTL,
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: 'test-signing-key', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], profile: ['preferred_username'], groups: ['groups'] },
    scopes: ['openid', 'profile', 'groups'],
    pkce: { methods: ['S256'], required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, subject) => {
      const account = options.accounts[subject];
      if (account === undefined) return undefined;
      return {
        accountId: subject,
        claims: () => ({ sub: subject, preferred_username: account.preferredUsername, groups: [...account.groups] }),
      };
    },
    // Consent is implied: the grant covers every scope this test client asks for.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const clientId = ctx.oidc.client?.clientId;
      const accountId = ctx.oidc.session?.accountId;
      if (clientId === undefined || accountId === undefined) return undefined;
      const grantId = ctx.oidc.session?.grantIdFor(clientId);
      if (grantId !== undefined) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId });
      grant.addOIDCScope('openid profile groups');
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);
  const providerCallback = provider.callback();

  // The login page of this provider: `POST /interaction/<uid>` with `login=<subject>`, or `abort=1`.
  const answerInteraction = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const form = new URLSearchParams(body);
    const result =
      form.get('abort') === null
        ? { login: { accountId: form.get('login') ?? '' } }
        : { error: 'access_denied', error_description: 'End-User aborted interaction' };
    await provider.interactionFinished(request, response, result, { mergeWithLastSubmission: false });
  };
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', issuer).pathname;
    if (INTERACTION_PATH.test(path)) {
      if (request.method === 'POST') {
        answerInteraction(request, response).catch((error: unknown) => {
          response.statusCode = 500;
          response.end(String(error));
        });
      } else {
        response.end('sign in by posting login=<subject>');
      }
      return;
    }
    void providerCallback(request, response);
  });

  const signIn = async (
    authorizationUrl: string,
    subject: string | null,
    editAuthorizationUrl?: (url: URL) => void,
  ): Promise<URL> => {
    const form = new URLSearchParams(subject === null ? { abort: '1' } : { login: subject }).toString();
    const jar = new CookieJar();
    let url = new URL(authorizationUrl);
    editAuthorizationUrl?.(url);
    for (let hop = 0; hop < 10; hop += 1) {
      if (url.origin !== issuer) return url;
      const interaction = INTERACTION_PATH.exec(url.pathname);
      const response = await fetch(url, {
        method: interaction ? 'POST' : 'GET',
        headers: {
          cookie: jar.header(),
          ...(interaction ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(interaction ? { body: form } : {}),
        redirect: 'manual',
      });
      jar.store(response);
      const location = response.headers.get('location');
      if (location === null) {
        throw new Error(`the provider answered ${response.status} at ${url.pathname}: ${await response.text()}`);
      }
      url = new URL(location, url);
    }
    throw new Error('the provider redirected more than 10 times');
  };

  return {
    issuer,
    port,
    signIn,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => {
          resolveClose();
        });
      }),
  };
}

/** A loopback port nothing listens on (for now): where a provider is down, and can come up later. */
export async function unusedLoopbackPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  return port;
}

/**
 * A real OpenID Provider for the browser journey: `oidc-provider` (the certified Node
 * implementation, the version the backend's OIDC tests use) on a free loopback port, with
 * one confidential client for the app's redirect URI, and its own login and consent pages
 * as plain HTML forms for Chromium to fill in, the way a person signs in at a company IdP.
 *
 * It follows the backend's harness (backend/test/harness/oidc-provider.ts: the same client,
 * claims, scopes, PKCE and lifetimes) but cannot share it: e2e imports no workspace source
 * (an ESLint zone). Unlike that harness, which finishes the interaction in code and implies
 * consent, this one renders both prompts, so the journey passes through them as a user would.
 * Storage is the provider's built-in memory adapter: one test file is one process, so its
 * process-wide store holds this run only (it prints one warning saying it is for development).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import Provider from 'oidc-provider';
import type { Configuration, InteractionResults } from 'oidc-provider';

export interface OidcUser {
  subject: string;
  password: string;
  groups: readonly string[];
}

export interface OidcProviderOptions {
  /** The provider's name on its own pages. */
  name: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Username → account. */
  users: Readonly<Record<string, OidcUser>>;
}

export interface RunningOidcProvider {
  issuer: string;
  close(): Promise<void>;
}

/** Lifetimes set explicitly (the provider announces defaults it picks); all outlive a test. */
const TEN_MINUTES = 600;
const TTL: Configuration['ttl'] = {
  AccessToken: TEN_MINUTES,
  AuthorizationCode: 60,
  Grant: TEN_MINUTES,
  IdToken: TEN_MINUTES,
  Interaction: TEN_MINUTES,
  Session: TEN_MINUTES,
};

const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|consent))?$/;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** A whole page: no script, no inline style, no favicon request (the e2e watcher would report its 404). */
function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title></head><body><main>${body}</main></body></html>`;
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  return new URLSearchParams(body);
}

export async function startOidcProvider(options: OidcProviderOptions): Promise<RunningOidcProvider> {
  const server = createServer();
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map(Object.entries(options.users).map(([username, user]) => [user.subject, { username, user }]));

  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    ttl: TTL,
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        client_name: 'PKI Manager',
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: 'e2e-signing-key', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], profile: ['preferred_username'], groups: ['groups'] },
    scopes: ['openid', 'profile', 'groups'],
    pkce: { methods: ['S256'], required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, subject) => {
      const account = accounts.get(subject);
      if (account === undefined) return undefined;
      return {
        accountId: subject,
        claims: () => ({ sub: subject, preferred_username: account.username, groups: [...account.user.groups] }),
      };
    },
  });
  const providerCallback = provider.callback();

  const loginPage = (uid: string, problem?: string): string =>
    page(
      `Sign in · ${options.name}`,
      `<h1>Sign in to ${escapeHtml(options.name)}</h1>` +
        (problem === undefined ? '' : `<p role="alert">${escapeHtml(problem)}</p>`) +
        `<form method="post" action="/interaction/${uid}/login" aria-label="Sign in to ${escapeHtml(options.name)}">` +
        `<p><label>Username <input name="username" autocomplete="username" required></label></p>` +
        `<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>` +
        `<button type="submit">Continue</button></form>`,
    );
  const consentPage = (uid: string, clientName: string, scopes: readonly string[]): string =>
    page(
      `Allow access · ${options.name}`,
      `<h1>Allow ${escapeHtml(clientName)} to sign you in?</h1>` +
        `<p>It will receive: ${escapeHtml(scopes.join(', '))}.</p>` +
        `<form method="post" action="/interaction/${uid}/consent" aria-label="Allow access">` +
        `<button type="submit">Allow</button></form>`,
    );

  const answerInteraction = async (
    request: IncomingMessage,
    response: ServerResponse,
    uid: string,
    step: string | undefined,
  ): Promise<void> => {
    const details = await provider.interactionDetails(request, response);
    const send = (html: string) => {
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.end(html);
    };
    if (step === undefined) {
      if (details.prompt.name === 'login') return send(loginPage(uid));
      const client = await provider.Client.find(String(details.params.client_id));
      const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
      return send(consentPage(uid, client?.clientName ?? String(details.params.client_id), missing));
    }
    const form = await readForm(request);
    let result: InteractionResults;
    if (step === 'login') {
      const username = form.get('username') ?? '';
      const user = options.users[username];
      if (user === undefined || user.password !== form.get('password')) {
        response.statusCode = 401;
        return send(loginPage(uid, 'Unknown username or wrong password.'));
      }
      result = { login: { accountId: user.subject } };
    } else {
      const accountId = details.session?.accountId;
      if (accountId === undefined) throw new Error('consent before login');
      const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
      const missingScopes = details.prompt.details.missingOIDCScope as string[] | undefined;
      const missingClaims = details.prompt.details.missingOIDCClaims as string[] | undefined;
      if (missingScopes !== undefined) grant.addOIDCScope(missingScopes.join(' '));
      if (missingClaims !== undefined) grant.addOIDCClaims(missingClaims);
      result = { consent: { grantId: await grant.save() } };
    }
    await provider.interactionFinished(request, response, result, { mergeWithLastSubmission: true });
  };

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const match = INTERACTION_PATH.exec(new URL(request.url ?? '/', issuer).pathname);
    if (match === null) {
      void providerCallback(request, response);
      return;
    }
    const [, uid = '', step] = match;
    const isPost = request.method === 'POST';
    if (isPost !== (step !== undefined)) {
      response.statusCode = 405;
      response.end();
      return;
    }
    answerInteraction(request, response, uid, step).catch((error: unknown) => {
      response.statusCode = 500;
      response.end(String(error));
    });
  });

  return {
    issuer,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

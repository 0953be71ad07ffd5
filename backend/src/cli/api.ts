/**
 * The CLI's connection to a running server: the tRPC client (only the `AppRouter` type
 * crosses from the backend), plain GETs for the public binary routes (CA certificates,
 * CRLs), a request id on every call so a failure can be found in the server's log, and the
 * translation of every failure into a CliError with its exit code.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

import { TRPCClientError, createTRPCClient, httpLink } from '@trpc/client';
import type { TRPCClient } from '@trpc/client';

import type { AppRouter } from '../trpc/router.js';
import {
  CliError,
  NotAuthorizedError,
  OperationFailedError,
  ServerUnreachableError,
  UsageError,
} from './cli-errors.js';
import type { Credential } from './credentials.js';

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:3000';

export interface Api {
  readonly baseUrl: URL;
  readonly trpc: TRPCClient<AppRouter>;
  /** GET a public route (e.g. `crl/<id>.crl`) relative to the base URL; the body as bytes. */
  getBytes(path: string): Promise<Buffer>;
  /** GET a route with the credential, the body as a stream of chunks as they arrive (`audit/export`). */
  getStream(path: string): Promise<Readable>;
  /** Runs a tRPC call and turns any failure into a CliError. */
  call<T>(operation: () => Promise<T>): Promise<T>;
  /** The session token the last answer set in its `pki_session` cookie (auth.signIn). */
  sessionTokenFromLastAnswer(): string | undefined;
}

const SESSION_COOKIE = 'pki_session';

/** What every request carries for `credential`; the custom header is what the server asks of cookie requests. */
function credentialHeaders(credential: Credential | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'x-pki-request': '1' };
  if (credential?.kind === 'token') headers.authorization = `Bearer ${credential.value}`;
  if (credential?.kind === 'session') headers.cookie = `${SESSION_COOKIE}=${credential.value}`;
  return headers;
}

function sessionTokenOf(response: Response): string | undefined {
  for (const cookie of response.headers.getSetCookie()) {
    const match = new RegExp(`^${SESSION_COOKIE}=([^;]*)`).exec(cookie);
    if (match?.[1] !== undefined && match[1] !== '') return match[1];
  }
  return undefined;
}

/**
 * `--url`, else `PKI_URL`, else the default. A base path is kept (`https://host/pki` serves
 * `https://host/pki/trpc`), so the server can sit behind a path-routing proxy.
 */
export function resolveServerUrl(option: string | undefined, environment: string | undefined): URL {
  const text = option ?? (environment !== undefined && environment.trim() !== '' ? environment : DEFAULT_SERVER_URL);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `--url / PKI_URL: expected an http(s) URL such as ${DEFAULT_SERVER_URL}, got ${JSON.stringify(text)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url / PKI_URL: expected http:// or https://, got ${JSON.stringify(text)}`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new UsageError(`--url / PKI_URL: the server URL takes no query or fragment, got ${JSON.stringify(text)}`);
  }
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

interface ErrorData {
  code?: string;
  appCode?: string;
  requestId?: string;
  fieldErrors?: Record<string, string[] | undefined>;
}

export function createApi(baseUrl: URL, credential?: Credential): Api {
  // One id per invocation plus a counter: the server keeps well-formed incoming ids, so an
  // error line's id is the one in the server's log even when the server could not say it.
  const invocationId = `cli-${randomBytes(6).toString('hex')}`;
  let callCount = 0;
  let lastRequestId = invocationId;
  const nextRequestId = () => {
    callCount += 1;
    lastRequestId = `${invocationId}-${callCount}`;
    return lastRequestId;
  };

  const authHeaders = credentialHeaders(credential);
  let lastSessionToken: string | undefined;
  const trpc = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: new URL('trpc', baseUrl).toString(),
        headers: () => ({ ...authHeaders, 'x-request-id': nextRequestId() }),
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          lastSessionToken = sessionTokenOf(response);
          return response;
        },
      }),
    ],
  });

  const unreachable = (cause: unknown) =>
    new ServerUnreachableError(
      `cannot reach the PKI Manager server at ${baseUrl.origin}${baseUrl.pathname}: ${describeNetworkError(cause)}`,
      lastRequestId,
    );

  return {
    baseUrl,
    trpc,
    async getBytes(path) {
      const { response, requestId } = await get(path);
      const body = Buffer.from(await response.arrayBuffer());
      if (response.ok) return body;
      throw failureOf(response, body, requestId);
    },
    async getStream(path) {
      const { response, requestId } = await get(path);
      if (response.ok && response.body !== null)
        return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
      throw failureOf(response, Buffer.from(await response.arrayBuffer()), requestId);
    },
    sessionTokenFromLastAnswer: () => lastSessionToken,
    async call(operation) {
      try {
        return await operation();
      } catch (error) {
        throw toCliError(error, lastRequestId, unreachable);
      }
    },
  };

  async function get(path: string): Promise<{ response: Response; requestId: string }> {
    const requestId = nextRequestId();
    try {
      const response = await fetch(new URL(path, baseUrl), { headers: { ...authHeaders, 'x-request-id': requestId } });
      return { response, requestId };
    } catch (error) {
      throw unreachable(error);
    }
  }

  function failureOf(response: Response, body: Buffer, requestId: string): CliError {
    if (response.status >= 502 && response.status <= 504) return unreachable(new Error(`HTTP ${response.status}`));
    let message = `HTTP ${response.status}`;
    let appCode: string | undefined;
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { error?: unknown; message?: unknown; code?: unknown };
      const text = typeof parsed.message === 'string' ? parsed.message : parsed.error;
      if (typeof text === 'string') message = text;
      if (typeof parsed.code === 'string') appCode = parsed.code;
    } catch {
      // Not our JSON error body; the status says enough.
    }
    const answeredId = response.headers.get('x-request-id') ?? requestId;
    if (response.status === 401 || response.status === 403) return new NotAuthorizedError(message, answeredId, appCode);
    return new OperationFailedError(message, answeredId, appCode);
  }
}

function toCliError(error: unknown, fallbackRequestId: string, unreachable: (cause: unknown) => CliError): CliError {
  if (error instanceof CliError) return error;
  if (!(error instanceof TRPCClientError)) return new OperationFailedError(String(error), fallbackRequestId);
  const data = error.data as ErrorData | undefined;
  if (error.shape === undefined || data === undefined) {
    // No tRPC answer at all: the connection failed, or something that is not our server answered.
    return unreachable(error.cause ?? error);
  }
  const requestId = data.requestId ?? fallbackRequestId;
  const fields = Object.entries(data.fieldErrors ?? {})
    .filter((entry): entry is [string, string[]] => Array.isArray(entry[1]) && entry[1].length > 0)
    .map(([field, messages]) => `${field}: ${messages.join(', ')}`);
  const message = fields.length > 0 ? `invalid input: ${fields.join('; ')}` : error.message;
  // Not signed in or refused for the role: exit 4. A key store's own permission refusal
  // (KMS_PERMISSION_DENIED, also FORBIDDEN) is an operation failure, not ours to fix by signing in.
  const isKeyStoreRefusal = data.appCode?.startsWith('KMS_') === true;
  if (data.code === 'UNAUTHORIZED' || (data.code === 'FORBIDDEN' && !isKeyStoreRefusal)) {
    return new NotAuthorizedError(message, requestId, data.appCode);
  }
  return new OperationFailedError(message, requestId, data.appCode);
}

function describeNetworkError(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause;
  if (inner instanceof Error) {
    const code = (inner as NodeJS.ErrnoException).code;
    return code !== undefined ? `${code} (${inner.message})` : inner.message;
  }
  if (cause instanceof SyntaxError) return 'the answer was not a PKI Manager API response';
  return cause.message;
}

/**
 * HTTPS JSON transport for Cosmian KMS: POSTs JSON TTLV RequestMessages to `/kmip/2_1`.
 *
 *   new HttpsTransport({ url: 'https://kms.example:9998', bearerToken, ca })
 *
 * TLS verification is on unless `rejectUnauthorized: false`; `ca` adds a private CA; `cert`
 * and `key` give a client certificate for mTLS. Connections are kept alive. Plain `http:`
 * URLs are accepted for local test servers.
 *
 * HTTP failures are normalized: 401/403 → KmsPermissionDenied; 404 → KmsProtocolError
 * (wrong endpoint); 400/422 (Cosmian's plain-text KMIP errors, see `httpError`) →
 * KmsNotFound, KmsPermissionDenied or KmsInvalidRequest; 429 → KmsRateLimited;
 * 5xx → KmsUnavailable; network failures → KmsUnavailable; no answer within the
 * per-try timeout → KmsTimeout. The server's text is kept in `serverMessage` only, never
 * in the error's message.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

import {
  KmsInvalidRequest,
  KmsNotFound,
  KmsPermissionDenied,
  KmsProtocolError,
  KmsRateLimited,
  KmsUnavailable,
  type KmsError,
} from '../errors.js';
import { errorClassOfReason } from '../messages.js';
import { hasEnumeration, enumNumber } from '../ttlv/enums.js';
import {
  admitRoundTrip,
  networkError,
  startDeadline,
  tlsSettings,
  type KmipTransport,
  type RoundTripOptions,
  type TlsClientOptions,
} from './transport.js';

export interface HttpsTransportOptions extends TlsClientOptions {
  /** Server base URL (`https://kms:9998`) or full endpoint URL; the path defaults to `/kmip/2_1`. */
  url: string;
  /** Sent as `Authorization: Bearer …`: a Cosmian API token (base64 of the token key) or a JWT. */
  bearerToken?: string;
  /** Extra headers, e.g. a gateway's API-key header. Never logged. */
  headers?: Record<string, string>;
  /** Keep-alive sockets kept per host. Default 8. */
  maxSockets?: number;
  /** Largest response body accepted. Default 16 MiB (Cosmian's request limit is 64 MiB). */
  maxResponseBytes?: number;
}

const DEFAULT_PATH = '/kmip/2_1';
const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const MAX_ERROR_TEXT = 1000;

export class HttpsTransport implements KmipTransport {
  readonly encoding = 'json';
  readonly endpoint: string;
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly headers: Record<string, string>;
  private readonly maxResponseBytes: number;

  constructor(options: HttpsTransportOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new KmsInvalidRequest(`KMS URL must be https: (or http: for tests), got ${url.protocol}`);
    }
    if (url.pathname === '/' || url.pathname === '') url.pathname = DEFAULT_PATH;
    url.username = '';
    url.password = '';
    this.url = url;
    this.endpoint = url.toString();
    const isTls = url.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 8 };
    this.agent = isTls ? new HttpsAgent({ ...agentOptions, ...tlsSettings(options) }) : new HttpAgent(agentOptions);
    this.headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(options.bearerToken !== undefined ? { authorization: `Bearer ${options.bearerToken}` } : {}),
      ...options.headers,
    };
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  roundTrip(frame: Uint8Array, options: RoundTripOptions = {}): Promise<Uint8Array> {
    const { timeoutMs, refusal } = admitRoundTrip(options);
    if (refusal) return Promise.reject(refusal);
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Uint8Array>((resolve, reject) => {
      let isSettled = false;
      const settle = (error: Error | undefined, body?: Uint8Array) => {
        if (isSettled) return;
        isSettled = true;
        stopDeadline();
        if (error) reject(error);
        else resolve(body ?? new Uint8Array());
      };
      const request = send(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: { ...this.headers, 'content-length': String(frame.byteLength) },
      });
      const stopDeadline = startDeadline({ signal: options.signal, timeoutMs }, (reason) => {
        request.destroy(reason);
        settle(reason);
      });
      request.on('error', (error) => settle(networkError(error, this.endpoint)));
      request.on('response', (response) => {
        readBody(response, this.maxResponseBytes).then(
          (body) => {
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) settle(undefined, body);
            else settle(httpError(status, body, this.endpoint));
          },
          (error: unknown) => settle(networkError(error, this.endpoint)),
        );
      });
      request.end(frame);
    });
  }

  close(): Promise<void> {
    this.agent.destroy();
    return Promise.resolve();
  }
}

function readBody(response: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    response.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        response.destroy(new KmsProtocolError(`KMS response exceeds ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', reject);
    response.on('aborted', () => reject(new KmsUnavailable('KMS closed the connection mid-response')));
  });
}

/** A failed HTTP exchange as a KMS error; the body is kept in `serverMessage` only. */
function httpError(status: number, body: Uint8Array, endpoint: string): KmsError {
  const text = Buffer.from(body).toString('utf8').trim().slice(0, MAX_ERROR_TEXT);
  const details = { serverReason: `HTTP ${status}`, serverMessage: text || undefined };
  if (status === 401 || status === 403) {
    return new KmsPermissionDenied(`KMS refused the credentials (HTTP ${status})`, details);
  }
  if (status === 404) return new KmsProtocolError(`no KMIP endpoint at ${endpoint} (HTTP 404)`, details);
  if (status === 429) return new KmsRateLimited('KMS rate limit reached (HTTP 429)', details);
  if (status >= 500) return new KmsUnavailable(`KMS failed (HTTP ${status})`, details);
  if (status === 400 || status === 422) return kmipTextError(status, text);
  return new KmsProtocolError(`unexpected HTTP ${status} from KMS`, details);
}

/** Cosmian's Display of its ItemNotFound variant, which is not spelled as a ResultReason. */
const ITEM_NOT_FOUND_TEXT = /^item not found\b/i;
/** `Reason_Name: message`, as Cosmian displays its Kmip21Error variant. */
const REASON_PREFIX = /^([A-Za-z][A-Za-z0-9_]*)\s*:/;
/** A 4xx is the caller's fault whatever the text says, so it is never retried. */
const CLIENT_ERROR_CLASSES: ReadonlySet<unknown> = new Set([KmsNotFound, KmsPermissionDenied]);

function resultReasonOf(text: string): string | undefined {
  if (ITEM_NOT_FOUND_TEXT.test(text)) return 'Item_Not_Found';
  const name = REASON_PREFIX.exec(text)?.[1];
  if (name === undefined || !hasEnumeration('ResultReason')) return undefined;
  try {
    enumNumber('ResultReason', name);
    return name;
  } catch {
    return undefined;
  }
}

/**
 * Cosmian answers a failed bare operation (and an unparsable request) with 422 and its
 * error's Display as plain text: `<ResultReason>: <message>` (`Object_Not_Found: 1f…`,
 * `Object_Destroyed: DENIED`, `Permission_Denied: …`, `Sensitive: DENIED`,
 * `Item_Not_Found: …`), or a phrase (`Item not found: …`, `Invalid Request: …`,
 * `Not Supported: …`). A ResultReason is mapped by the same table as a failed batch item
 * and becomes `serverReason`, so callers match one name whichever shape the server used;
 * only not-found and permission classes are taken from it, everything else is
 * KmsInvalidRequest.
 */
function kmipTextError(status: number, text: string): KmsError {
  const reason = resultReasonOf(text);
  const mapped = errorClassOfReason(reason);
  const ErrorClass = CLIENT_ERROR_CLASSES.has(mapped) ? mapped : KmsInvalidRequest;
  return new ErrorClass(`KMS rejected the request (HTTP ${status}${reason ? `, ${reason}` : ''})`, {
    serverReason: reason ?? `HTTP ${status}`,
    serverMessage: text || undefined,
  });
}

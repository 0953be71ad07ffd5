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
 * (wrong endpoint); 400/422 (Cosmian's plain-text KMIP errors) → KmsNotFound,
 * KmsPermissionDenied or KmsInvalidRequest with the text; 429 → KmsRateLimited;
 * 5xx → KmsUnavailable; network failures → KmsUnavailable.
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
import { abortReason, networkError, type KmipTransport } from './transport.js';

export interface HttpsTransportOptions {
  /** Server base URL (`https://kms:9998`) or full endpoint URL; the path defaults to `/kmip/2_1`. */
  url: string;
  /** Sent as `Authorization: Bearer …`: a Cosmian API token (base64 of the token key) or a JWT. */
  bearerToken?: string;
  /** Extra headers, e.g. a gateway's API-key header. Never logged. */
  headers?: Record<string, string>;
  /** PEM CA certificate(s) to trust; like Node's `ca`, they replace the system store. */
  ca?: string | Buffer | (string | Buffer)[];
  /** PEM client certificate and key for mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  /** Default true. Turning it off is for throwaway test servers only. */
  rejectUnauthorized?: boolean;
  servername?: string;
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
    this.agent = isTls
      ? new HttpsAgent({
          ...agentOptions,
          ca: options.ca,
          cert: options.cert,
          key: options.key,
          passphrase: options.passphrase,
          rejectUnauthorized: options.rejectUnauthorized ?? true,
          servername: options.servername,
        })
      : new HttpAgent(agentOptions);
    this.headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(options.bearerToken !== undefined ? { authorization: `Bearer ${options.bearerToken}` } : {}),
      ...options.headers,
    };
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  roundTrip(frame: Uint8Array, options: { signal: AbortSignal }): Promise<Uint8Array> {
    const { signal } = options;
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Uint8Array>((resolve, reject) => {
      let isSettled = false;
      const settle = (error: Error | undefined, body?: Uint8Array) => {
        if (isSettled) return;
        isSettled = true;
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(body ?? new Uint8Array());
      };
      const request = send(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: { ...this.headers, 'content-length': String(frame.byteLength) },
      });
      const onAbort = () => {
        const reason = abortReason(signal);
        request.destroy(reason);
        settle(reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
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

/**
 * Cosmian answers a failed bare operation (and an unparsable request) with 422 and the
 * error's Display text, e.g. `Item_Not_Found: <uid>` or `Access denied: ...`.
 */
function httpError(status: number, body: Uint8Array, endpoint: string): KmsError {
  const text = Buffer.from(body).toString('utf8').trim().slice(0, MAX_ERROR_TEXT);
  const details = { serverReason: `HTTP ${status}`, serverMessage: text || undefined };
  const suffix = text ? `: ${text}` : '';
  if (status === 401 || status === 403) return new KmsPermissionDenied(`KMS refused the credentials (HTTP ${status})${suffix}`, details);
  if (status === 404) return new KmsProtocolError(`no KMIP endpoint at ${endpoint} (HTTP 404)`, details);
  if (status === 429) return new KmsRateLimited(`KMS rate limit reached (HTTP 429)${suffix}`, details);
  if (status >= 500) return new KmsUnavailable(`KMS failed (HTTP ${status})${suffix}`, details);
  if (status === 400 || status === 422) {
    if (/^item[_ ]not[_ ]found/i.test(text)) return new KmsNotFound(`KMS object not found${suffix}`, details);
    if (/^(access denied|unauthorized|wrong_key_lifecycle_state)/i.test(text)) {
      return new KmsPermissionDenied(`KMS refused the operation${suffix}`, details);
    }
    return new KmsInvalidRequest(`KMS rejected the request (HTTP ${status})${suffix}`, details);
  }
  return new KmsProtocolError(`unexpected HTTP ${status} from KMS${suffix}`, details);
}

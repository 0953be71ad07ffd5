/**
 * Cosmian's two non-KMIP endpoints the driver needs: `GET /version` and `GET /health`
 * (COSMIAN.md §1; sent with the driver's credentials). The KMIP client only speaks KMIP, so this small
 * reader lives beside the driver rather than in `kms/kmip/` (which must stay vendor-neutral).
 * It uses the same trust settings (CA, client certificate) as the KMIP transport.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

import { KmsPermissionDenied, KmsProtocolError, KmsUnavailable } from '../../kmip/index.js';
import { parseCosmianVersion } from './cosmian-versions.js';
import type { CosmianServer } from './cosmian-versions.js';

export interface CosmianHttpOptions {
  /** PKI_COSMIAN_URL: the server's base URL (a trailing `/kmip/2_1` is tolerated). */
  url: string;
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  /**
   * The same credentials as the KMIP calls (bearer token, API-key header): 5.8–5.14 serve
   * `/version` inside the authenticated scope, so a call without them is a 401 there.
   */
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
}

export async function fetchCosmianVersion(options: CosmianHttpOptions): Promise<CosmianServer> {
  return parseCosmianVersion(await getJson(options, '/version'));
}

/** `GET /health`: `{"status":"UP", ...}`, or 503 when a dependency (the database) is down. */
export async function fetchCosmianHealth(options: CosmianHttpOptions): Promise<{ isUp: boolean; detail: string }> {
  const body = await getJson(options, '/health');
  const status = typeof body === 'object' && body !== null ? (body as { status?: unknown }).status : undefined;
  return { isUp: status === 'UP', detail: `status ${String(status)}` };
}

function endpointUrl(base: string, path: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/kmip\/2_1\/?$/, '').replace(/\/+$/, '')}${path}`;
  url.username = '';
  url.password = '';
  return url;
}

function getJson(options: CosmianHttpOptions, path: string): Promise<unknown> {
  const url = endpointUrl(options.url, path);
  const isTls = url.protocol === 'https:';
  const send = isTls ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, {
      method: 'GET',
      headers: { ...options.headers, accept: 'application/json' },
      timeout: options.timeoutMs,
      ...(isTls ? { ca: options.ca, cert: options.cert, key: options.key } : {}),
    });
    request.once('timeout', () =>
      request.destroy(new KmsUnavailable(`Cosmian GET ${path} timed out after ${options.timeoutMs} ms`)),
    );
    request.once('error', (error) =>
      reject(
        error instanceof KmsUnavailable
          ? error
          : new KmsUnavailable(`Cosmian GET ${path} failed: ${error.message}`, {}, { cause: error }),
      ),
    );
    request.once('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = response.statusCode ?? 0;
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        // /health answers 503 with the same JSON when the database is down.
        if (status === 200 || (status === 503 && body !== undefined && path === '/health')) resolve(body);
        else if (status >= 500)
          reject(
            new KmsUnavailable(`Cosmian GET ${path} answered HTTP ${status}`, {
              serverReason: `HTTP ${status}`,
            }),
          );
        else if (status === 401 || status === 403)
          reject(
            new KmsPermissionDenied(`Cosmian GET ${path}: the KMS refused the credentials (HTTP ${status})`, {
              serverReason: `HTTP ${status}`,
              serverMessage: text.slice(0, 200) || undefined,
            }),
          );
        else
          reject(
            new KmsProtocolError(`Cosmian GET ${path} answered HTTP ${status}`, { serverReason: `HTTP ${status}` }),
          );
      });
    });
    request.end();
  });
}

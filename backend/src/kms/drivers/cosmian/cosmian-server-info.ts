/**
 * Cosmian's two non-KMIP endpoints the driver needs: `GET /version` and `GET /health`
 * (COSMIAN.md §1; both unauthenticated). The KMIP client only speaks KMIP, so this small
 * reader lives beside the driver rather than in `kms/kmip/` (which must stay vendor-neutral).
 * It uses the same trust settings (CA, client certificate) as the KMIP transport.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

import { KmsProtocolError, KmsUnavailable } from '../../kmip/index.js';

export interface CosmianHttpOptions {
  /** PKI_COSMIAN_URL: the server's base URL (a trailing `/kmip/2_1` is tolerated). */
  url: string;
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  timeoutMs: number;
}

/** `5.26.0 (OpenSSL 3.x-non-FIPS)` → 5.26.0; the whole string is kept for operators. */
export interface CosmianVersion {
  major: number;
  minor: number;
  patch: number;
  /** As the server wrote it. */
  text: string;
}

/** Sign and SignatureVerify arrived in 5.8.0 (PR #511); older servers cannot sign at all. */
export const MINIMUM_COSMIAN_VERSION = {
  major: 5,
  minor: 8,
  patch: 0,
} as const;

/** The server is older than the driver needs: not retryable, fix the deployment. */
export class CosmianServerTooOld extends KmsProtocolError {
  constructor(readonly serverVersion: CosmianVersion) {
    super(
      `Cosmian KMS ${serverVersion.major}.${serverVersion.minor}.${serverVersion.patch} is too old: KMIP Sign needs ` +
        `${MINIMUM_COSMIAN_VERSION.major}.${MINIMUM_COSMIAN_VERSION.minor} or later`,
      { operation: 'version', serverMessage: serverVersion.text },
    );
  }
}

export function isOlderThanMinimum(version: CosmianVersion): boolean {
  const wanted = MINIMUM_COSMIAN_VERSION;
  if (version.major !== wanted.major) return version.major < wanted.major;
  if (version.minor !== wanted.minor) return version.minor < wanted.minor;
  return version.patch < wanted.patch;
}

export function parseCosmianVersion(body: unknown): CosmianVersion {
  const match = typeof body === 'string' ? /^(\d+)\.(\d+)\.(\d+)/.exec(body) : null;
  if (typeof body !== 'string' || match === null) {
    throw new KmsProtocolError(
      `Cosmian GET /version answered ${JSON.stringify(body)?.slice(0, 100) ?? 'nothing'}, not a version`,
      {
        operation: 'version',
      },
    );
  }
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3]),
    text: body,
  };
}

export async function fetchCosmianVersion(options: CosmianHttpOptions): Promise<CosmianVersion> {
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
      headers: { accept: 'application/json' },
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
        else
          reject(
            new KmsProtocolError(`Cosmian GET ${path} answered HTTP ${status}`, { serverReason: `HTTP ${status}` }),
          );
      });
    });
    request.end();
  });
}

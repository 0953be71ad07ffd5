/**
 * A local HTTP server that answers as Cosmian KMS 5.x does: the only test double in this
 * project, because no Cosmian server can run on our machines (no Docker). The `cosmian`
 * driver's contract suite runs against it; with `PKI_COSMIAN_URL` the same suite also runs
 * against a real server (kms/README.md).
 *
 *   const kms = await startCosmianStandIn({ apiToken: 'c2VjcmV0', version: '5.24.0', build: 'FIPS' });
 *   kms.url                       // http://127.0.0.1:<port>
 *   kms.received                  // every POST /kmip/2_1 body, parsed, with its auth header
 *   kms.setVersion('5.14.0')      // the server it plays from the next request on
 *   kms.revokeToken()             // the API token key is revoked: every call is 401 from now on
 *   kms.injectFaults('unavailable', 2)  // the next 2 KMIP requests get 503; 'hang' never answers
 *   kms.injectFaults('lose-answer', 1, 'CreateKeyPair') // runs it, then drops the connection
 *   await kms.stop();
 *
 * It plays one Cosmian version and build at a time (default 5.26.0 non-FIPS) and follows
 * that version wherever the server's behaviour changed between 5.8.0 and 5.26.0
 * (cosmian-standin/server-versions.ts, each entry citing the Cosmian/kms code):
 * - routes: `GET /version` (JSON string "5.26.0 (OpenSSL 3.x-non-FIPS)", routes/mod.rs),
 *   `GET /health` (`{"status":"UP",...}`, 5.15+ only), `POST /kmip/2_1` with a bare operation
 *   or a RequestMessage (routes/kmip.rs); any other route is 404.
 * - auth: with an API token configured, `/kmip/2_1` (and `/version` before 5.15, which served
 *   it inside the authenticated scope) needs `Authorization: Bearer <token>` (compared
 *   case-insensitively); otherwise 401 `No authentication provided.` (middlewares/ensure_auth.rs).
 *   A revoked token key fails the same way (the key must be Active).
 * - errors: a bare operation fails with an HTTP status and a text/html body holding the
 *   error's Display (422 for KMIP errors and for a body that is not JSON, 500 `Internal server
 *   error`); a RequestMessage always answers 200 with failed BatchItems (OperationFailed,
 *   ResultReason, ResultMessage; operations/message.rs). See cosmian-standin/kms.ts.
 * - lifecycle: PreActive without ActivationDate, Sign on Active keys only, Cascade on
 *   Revoke/Destroy, an activated Active key cannot be destroyed, destroyed keys stay
 *   visible to GetAttributes (State Destroyed) and give Object_Destroyed on Get.
 * - writer quirks: Structures without "type", upper-case hex, RFC 3339 whole-second times.
 *
 * What it does not do: persistence, access rights, symmetric keys and the other ~30
 * operations (answered `Not Supported` rather than faked), binary `/kmip`, TLS.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { StandInFailure, batchFailureOf, displayError, httpStatusOf } from './cosmian-standin/errors.js';
import { StandInKms } from './cosmian-standin/kms.js';
import { SINCE, isAtLeast, parseStandInVersion } from './cosmian-standin/server-versions.js';
import type { StandInBuild, StandInServer } from './cosmian-standin/server-versions.js';
import {
  asNode,
  child,
  childrenOf,
  dateTime,
  enumeration,
  integer,
  JsonTtlvError,
  readEnum,
  structure,
  text,
} from './cosmian-standin/json-ttlv.js';
import type { JsonTtlv } from './cosmian-standin/json-ttlv.js';

export interface CosmianStandInOptions {
  /** The Cosmian version played and reported by `GET /version`, `x.y.z`. Default 5.26.0. */
  version?: string;
  /** The build `GET /version` names after the OpenSSL version. Default non-FIPS. */
  build?: StandInBuild;
  /** KMS_VENDOR_IDENTIFICATION (honoured from 5.17). Default `cosmian`. */
  vendorId?: string;
  /** When set, `/kmip/2_1` requires `Authorization: Bearer <apiToken>`. */
  apiToken?: string;
  /** Listen here (a server that comes back where it was); default any free port. */
  port?: number;
}

export interface ReceivedKmipRequest {
  /** The parsed JSON body: a bare operation or a RequestMessage. */
  body: unknown;
  authorization: string | undefined;
  /** The HTTP status the stand-in answered (or 0 for a request left hanging). */
  status: number;
}

/**
 * 503 (a proxy or a restarting server), a request never answered, or one carried out whose
 * answer is lost (the connection drops after the work is done: the case that makes a
 * retried create dangerous).
 */
export type StandInFault = 'unavailable' | 'hang' | 'lose-answer';

export interface CosmianStandIn {
  url: string;
  readonly received: readonly ReceivedKmipRequest[];
  /** The operations received so far, bare or batched, in order (e.g. ["CreateKeyPair", "Get"]). */
  receivedOperations(): { operation: string; payload: JsonTtlv }[];
  setVersion(version: string): void;
  /** Revokes the API token's key: every authenticated route answers 401 from now on. */
  revokeToken(): void;
  /** The next `count` KMIP requests (only those for `operation`, if given) get this fault. */
  injectFaults(fault: StandInFault, count: number, operation?: string): void;
  /** What the stand-in holds for a UID (state, names, tags), for assertions. */
  inspect(uid: string): ReturnType<StandInKms['snapshot']>;
  stop(): Promise<void>;
}

const OPENSSL_VERSION = 'OpenSSL 3.6.0 1 Oct 2025';

export async function startCosmianStandIn(options: CosmianStandInOptions = {}): Promise<CosmianStandIn> {
  const server: StandInServer = {
    version: parseStandInVersion(options.version ?? '5.26.0'),
    build: options.build ?? 'non-FIPS',
    vendorId: options.vendorId ?? 'cosmian',
  };
  let isTokenRevoked = false;
  const faults: { fault: StandInFault; operation: string | undefined }[] = [];
  const received: ReceivedKmipRequest[] = [];
  const sockets = new Set<Socket>();
  const kms = new StandInKms({ server: () => server });
  const isAuthenticated = (request: IncomingMessage) =>
    options.apiToken === undefined ||
    (!isTokenRevoked && isAuthorized(request.headers.authorization, options.apiToken));

  const httpServer = createServer((request, response) => {
    void route(request, response).catch((error: unknown) => {
      // A bug in the stand-in itself: answer like Cosmian's 5xx, keep the cause visible in test output.
      console.error('cosmian stand-in internal error', error);
      if (!response.headersSent) sendText(response, 500, 'Internal server error');
    });
  });
  httpServer.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    const isPublicInfo = isAtLeast(server, SINCE.publicVersionAndHealth);
    if (request.method === 'GET' && path === '/version') {
      if (!isPublicInfo && !isAuthenticated(request)) return sendText(response, 401, 'No authentication provided.');
      const { major, minor, patch } = server.version;
      return sendJson(response, 200, `${major}.${minor}.${patch} (${OPENSSL_VERSION}-${server.build})`);
    }
    if (request.method === 'GET' && path === '/health' && isPublicInfo) {
      return sendJson(response, 200, {
        status: 'UP',
        latency_ms: 0,
        dependencies: { database: { name: 'sqlite', status: 'UP' } },
      });
    }
    if (request.method !== 'POST' || path !== '/kmip/2_1') {
      return sendText(response, 404, `Route not supported: ${path ?? ''}`);
    }
    const raw = await readBody(request);
    const authorization = request.headers.authorization;
    const record: ReceivedKmipRequest = {
      body: parseOrRaw(raw),
      authorization,
      status: 0,
    };
    received.push(record);

    const fault = takeFault(record.body);
    if (fault === 'hang') return; // never answered; stop() closes the socket
    const answer = (status: number, send: () => void) => {
      record.status = status;
      if (fault === 'lose-answer') {
        request.socket.destroy();
        return;
      }
      send();
    };
    if (fault === 'unavailable') return answer(503, () => sendText(response, 503, 'Service Unavailable'));

    if (!isAuthenticated(request)) {
      return answer(401, () => sendText(response, 401, 'No authentication provided.'));
    }

    let root: JsonTtlv;
    try {
      root = asNode(JSON.parse(raw));
    } catch (error) {
      // routes/kmip.rs: the body is read as a string and parsed into TTLV; failing that is a
      // KmsError::InvalidRequest, shown as 422 `Invalid Request: …`.
      const message = error instanceof Error ? error.message : String(error);
      return answer(422, () => sendText(response, 422, `Invalid Request: ${message}`));
    }

    if (root.tag === 'RequestMessage') {
      const reply = await handleRequestMessage(root);
      return answer(200, () => sendJson(response, 200, reply));
    }
    try {
      const reply = await kms.execute(root.tag, root);
      return answer(200, () => sendJson(response, 200, reply));
    } catch (error) {
      if (!(error instanceof StandInFailure)) throw error;
      const status = httpStatusOf(error.error);
      // 5xx bodies hide the details (routes/mod.rs error_response).
      return answer(status, () =>
        sendText(response, status, status >= 500 ? 'Internal server error' : displayError(error.error)),
      );
    }
  }

  function takeFault(body: unknown): StandInFault | undefined {
    const operation = operationsOf(body)[0]?.operation;
    const index = faults.findIndex((entry) => entry.operation === undefined || entry.operation === operation);
    if (index < 0) return undefined;
    return faults.splice(index, 1)[0]?.fault;
  }

  async function handleRequestMessage(message: JsonTtlv): Promise<JsonTtlv> {
    const items: JsonTtlv[] = [];
    let header: JsonTtlv[];
    try {
      const batchItems = childrenOf(message).filter((node) => node.tag === 'BatchItem');
      header = [
        structure('ProtocolVersion', [integer('ProtocolVersionMajor', 2), integer('ProtocolVersionMinor', 1)]),
        dateTime('TimeStamp', new Date()),
        integer('BatchCount', batchItems.length),
      ];
      for (const item of batchItems) {
        const operation = readEnum(child(item, 'Operation')) ?? '';
        const id = child(item, 'UniqueBatchItemID');
        const payload = child(item, 'RequestPayload') ?? structure('RequestPayload', []);
        const common = [enumeration('Operation', operation), ...(id === undefined ? [] : [id])];
        try {
          const reply = await kms.execute(operation, payload);
          items.push(
            structure('BatchItem', [
              ...common,
              enumeration('ResultStatus', 'Success'),
              structure('ResponsePayload', childrenOf(reply)),
            ]),
          );
        } catch (error) {
          if (!(error instanceof StandInFailure)) throw error;
          const failure = batchFailureOf(error.error);
          items.push(
            structure('BatchItem', [
              ...common,
              enumeration('ResultStatus', 'OperationFailed'),
              enumeration('ResultReason', failure.reason),
              text('ResultMessage', failure.message),
            ]),
          );
        }
      }
    } catch (error) {
      if (!(error instanceof JsonTtlvError)) throw error;
      // An unparsable RequestMessage: one BatchItem without Operation, Invalid_Message (COSMIAN.md §1).
      header = [
        structure('ProtocolVersion', [integer('ProtocolVersionMajor', 2), integer('ProtocolVersionMinor', 1)]),
        dateTime('TimeStamp', new Date()),
        integer('BatchCount', 1),
      ];
      items.splice(
        0,
        items.length,
        structure('BatchItem', [
          enumeration('ResultStatus', 'OperationFailed'),
          enumeration('ResultReason', 'Invalid_Message'),
          text('ResultMessage', error.message),
        ]),
      );
    }
    return structure('ResponseMessage', [structure('ResponseHeader', header), ...items]);
  }

  await new Promise<void>((resolve) => httpServer.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    receivedOperations() {
      return received.flatMap(({ body }) => operationsOf(body));
    },
    setVersion(next) {
      server.version = parseStandInVersion(next);
    },
    revokeToken() {
      isTokenRevoked = true;
    },
    injectFaults(fault, count, operation) {
      for (let index = 0; index < count; index += 1) faults.push({ fault, operation });
    },
    inspect(uid) {
      return kms.snapshot(uid);
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

/** The operations of one request body: the bare operation, or each BatchItem's. */
function operationsOf(body: unknown): { operation: string; payload: JsonTtlv }[] {
  let root: JsonTtlv;
  try {
    root = asNode(body);
  } catch {
    return [];
  }
  if (root.tag !== 'RequestMessage') return [{ operation: root.tag, payload: root }];
  try {
    return childrenOf(root)
      .filter((node) => node.tag === 'BatchItem')
      .map((item) => ({
        operation: readEnum(child(item, 'Operation')) ?? '',
        payload: child(item, 'RequestPayload') ?? structure('RequestPayload', []),
      }));
  } catch {
    return [];
  }
}

/** api_token_auth.rs: `Bearer <token>`, compared after lower-casing both sides. */
function isAuthorized(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  return match?.[1] !== undefined && match[1].toLowerCase() === token.toLowerCase();
}

function parseOrRaw(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Cosmian's error bodies are text with this exact content type (routes/mod.rs). */
function sendText(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  response.end(body);
}

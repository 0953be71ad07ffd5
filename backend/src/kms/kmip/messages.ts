/**
 * KMIP request and response messages (KMIP 2.1 §8, identical in shape since 1.0):
 *
 *   RequestMessage { RequestHeader { ProtocolVersion, [Authentication], BatchCount },
 *                    BatchItem { Operation, [UniqueBatchItemID], RequestPayload } × N }
 *   ResponseMessage { ResponseHeader { ProtocolVersion, TimeStamp, BatchCount },
 *                     BatchItem { [Operation], [UniqueBatchItemID], ResultStatus,
 *                                 [ResultReason], [ResultMessage], [ResponsePayload] } × N }
 *
 * Trees only: the codecs turn them into bytes or JSON. A failed batch item becomes one of
 * the normalized KMS errors, carrying the server's reason and message.
 */
import {
  type KmsError,
  KmsInvalidRequest,
  KmsNotFound,
  KmsPermissionDenied,
  KmsProtocolError,
  KmsRateLimited,
  KmsUnavailable,
} from './errors.js';
import {
  asStructure,
  byteString,
  enumeration,
  findChildren,
  integer,
  readBytes,
  readDate,
  readEnum,
  readInteger,
  readText,
  requireChild,
  requireEnum,
  requireInteger,
  structure,
  textString,
} from './operations/tree.js';
import type { TtlvNode, TtlvStructure } from './ttlv/types.js';

export interface ProtocolVersion {
  readonly major: number;
  readonly minor: number;
}

export const KMIP_1_0: ProtocolVersion = { major: 1, minor: 0 };
export const KMIP_1_1: ProtocolVersion = { major: 1, minor: 1 };
export const KMIP_1_2: ProtocolVersion = { major: 1, minor: 2 };
export const KMIP_1_3: ProtocolVersion = { major: 1, minor: 3 };
export const KMIP_1_4: ProtocolVersion = { major: 1, minor: 4 };
export const KMIP_2_0: ProtocolVersion = { major: 2, minor: 0 };
export const KMIP_2_1: ProtocolVersion = { major: 2, minor: 1 };

export function compareVersions(a: ProtocolVersion, b: ProtocolVersion): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

export function formatVersion(version: ProtocolVersion): string {
  return `${version.major}.${version.minor}`;
}

/** KMIP 2.0 replaced TemplateAttribute/Attribute{Name,Value} by tagged Attributes structures. */
export function usesAttributesStructure(version: ProtocolVersion): boolean {
  return version.major >= 2;
}

export function protocolVersionNode(version: ProtocolVersion): TtlvStructure {
  return structure('ProtocolVersion', [
    integer('ProtocolVersionMajor', version.major),
    integer('ProtocolVersionMinor', version.minor),
  ]);
}

export function parseProtocolVersion(node: TtlvNode): ProtocolVersion {
  const version = asStructure(node, 'ProtocolVersion');
  return {
    major: requireInteger(version, 'ProtocolVersionMajor'),
    minor: requireInteger(version, 'ProtocolVersionMinor'),
  };
}

export interface UsernamePasswordCredential {
  username: string;
  password?: string;
}

export interface RequestBatchItem {
  /** OperationEnumeration name, e.g. "Sign". */
  operation: string;
  uniqueBatchItemId?: Uint8Array;
  payload: TtlvNode[];
}

export interface RequestMessageInput {
  version: ProtocolVersion;
  authentication?: UsernamePasswordCredential;
  maximumResponseSize?: number;
  batchItems: RequestBatchItem[];
}

export function buildRequestMessage(input: RequestMessageInput): TtlvStructure {
  const header: TtlvNode[] = [protocolVersionNode(input.version)];
  if (input.maximumResponseSize !== undefined) {
    header.push(integer('MaximumResponseSize', input.maximumResponseSize));
  }
  if (input.authentication) {
    const credentialValue: TtlvNode[] = [textString('Username', input.authentication.username)];
    if (input.authentication.password !== undefined) {
      credentialValue.push(textString('Password', input.authentication.password));
    }
    header.push(
      structure('Authentication', [
        structure('Credential', [
          enumeration('CredentialType', 'UsernameAndPassword'),
          structure('CredentialValue', credentialValue),
        ]),
      ]),
    );
  }
  header.push(integer('BatchCount', input.batchItems.length));
  return structure('RequestMessage', [
    structure('RequestHeader', header),
    ...input.batchItems.map((item) =>
      structure('BatchItem', [
        enumeration('Operation', item.operation),
        ...(item.uniqueBatchItemId ? [byteString('UniqueBatchItemID', item.uniqueBatchItemId)] : []),
        structure('RequestPayload', item.payload),
      ]),
    ),
  ]);
}

export type ResultStatus = 'Success' | 'OperationFailed' | 'OperationPending' | 'OperationUndone';

export interface ResponseBatchItem {
  /** Absent when the server could not parse the request at all. */
  operation: string | undefined;
  uniqueBatchItemId: Uint8Array | undefined;
  status: ResultStatus;
  reason: string | undefined;
  message: string | undefined;
  payload: TtlvStructure | undefined;
}

export interface ResponseMessage {
  version: ProtocolVersion;
  timeStamp: Date | undefined;
  batchItems: ResponseBatchItem[];
}

const RESULT_STATUSES: readonly string[] = ['Success', 'OperationFailed', 'OperationPending', 'OperationUndone'];

/** Reads a ResponseMessage tree; a tree of another shape is a KmsProtocolError. */
export function parseResponseMessage(node: TtlvNode): ResponseMessage {
  if (node.tag !== 'ResponseMessage') {
    throw new KmsProtocolError(`expected a ResponseMessage, got ${node.tag}`);
  }
  const message = asStructure(node, 'ResponseMessage');
  const header = asStructure(requireChild(message, 'ResponseHeader'), 'ResponseHeader');
  const version = parseProtocolVersion(requireChild(header, 'ProtocolVersion'));
  const batchItems = findChildren(message, 'BatchItem').map((child): ResponseBatchItem => {
    const item = asStructure(child, 'BatchItem');
    const status = requireEnum(item, 'ResultStatus');
    if (!RESULT_STATUSES.includes(status)) {
      throw new KmsProtocolError(`unknown ResultStatus ${status}`);
    }
    const payloadNode = item.value.find((entry) => entry.tag === 'ResponsePayload');
    return {
      operation: readEnum(item, 'Operation'),
      uniqueBatchItemId: readBytes(item, 'UniqueBatchItemID'),
      status: status as ResultStatus,
      reason: readEnum(item, 'ResultReason'),
      message: readText(item, 'ResultMessage'),
      payload: payloadNode ? asStructure(payloadNode, 'ResponsePayload') : undefined,
    };
  });
  const batchCount = readInteger(header, 'BatchCount');
  if (batchCount !== undefined && batchCount !== batchItems.length) {
    throw new KmsProtocolError(`BatchCount ${batchCount} but ${batchItems.length} batch items`);
  }
  return { version, timeStamp: readDate(header, 'TimeStamp'), batchItems };
}

export type KmsErrorClass = new (
  message: string,
  details?: { serverReason?: string; serverMessage?: string; operation?: string },
) => KmsError;

/**
 * KMIP ResultReason → normalized error. Lifecycle refusals are "permission denied" because
 * PyKMIP reports them that way (Permission_Denied "Object is active and cannot be
 * destroyed") and Cosmian as Wrong_Key_Lifecycle_State: callers see one class for one fact.
 */
const ERROR_OF_REASON: Readonly<Record<string, KmsErrorClass>> = {
  Item_Not_Found: KmsNotFound,
  Object_Not_Found: KmsNotFound,
  Object_Destroyed: KmsNotFound,
  Permission_Denied: KmsPermissionDenied,
  Authentication_Not_Successful: KmsPermissionDenied,
  Not_Authorised: KmsPermissionDenied,
  Wrong_Key_Lifecycle_State: KmsPermissionDenied,
  Object_Archived: KmsPermissionDenied,
  // Export refusals (Cosmian: a Sensitive or non-extractable private key).
  Sensitive: KmsPermissionDenied,
  Not_Extractable: KmsPermissionDenied,
  Server_Limit_Exceeded: KmsRateLimited,
  Internal_Server_Error: KmsUnavailable,
  General_Failure: KmsUnavailable,
  Protection_Storage_Unavailable: KmsUnavailable,
};

/** The error class of a KMIP ResultReason; every reason not in the table is the caller's request. */
export function errorClassOfReason(reason: string | undefined): KmsErrorClass {
  return (reason !== undefined ? ERROR_OF_REASON[reason] : undefined) ?? KmsInvalidRequest;
}

/**
 * Every other reason (Invalid_Field, Invalid_Message, Operation_Not_Supported, ...) is the
 * caller's request. The message is ours: the operation and the ResultReason (an enumeration
 * name). The server's ResultMessage is free vendor text that may name objects or internals,
 * so it stays in `serverMessage`, which the client logs and nothing shows to a user.
 */
export function errorOfResult(
  reason: string | undefined,
  message: string | undefined,
  operation: string | undefined,
): KmsError {
  const ErrorClass = errorClassOfReason(reason);
  const text = `KMIP ${operation ?? 'request'} failed: ${reason ?? 'no reason given'}`;
  return new ErrorClass(text, { serverReason: reason, serverMessage: message, operation });
}

/**
 * The payload of a successful batch item, or the normalized error of a failed one.
 * Asynchronous results are refused: this client never asks for them.
 */
export function unwrapBatchItem(item: ResponseBatchItem, expectedOperation: string): TtlvStructure {
  if (item.status === 'OperationFailed') {
    throw errorOfResult(item.reason, item.message, item.operation ?? expectedOperation);
  }
  if (item.status !== 'Success') {
    throw new KmsProtocolError(`KMIP ${expectedOperation}: unexpected ResultStatus ${item.status}`, {
      operation: expectedOperation,
      serverReason: item.reason,
      serverMessage: item.message,
    });
  }
  if (item.operation !== undefined && item.operation !== expectedOperation) {
    throw new KmsProtocolError(`KMIP ${expectedOperation}: the server answered for ${item.operation}`, {
      operation: expectedOperation,
    });
  }
  return item.payload ?? structure('ResponsePayload', []);
}

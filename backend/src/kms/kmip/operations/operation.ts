import type { ProtocolVersion } from '../messages.js';
import type { TtlvNode, TtlvStructure } from '../ttlv/types.js';

/** What a builder or parser needs to know about the conversation. */
export interface OperationContext {
  /** The protocol version of the request header; attributes are encoded the way it requires. */
  version: ProtocolVersion;
}

/**
 * One KMIP operation: a typed request builder and a typed response parser, both on TTLV
 * trees, so the binary (PyKMIP) and JSON (Cosmian) paths share them.
 */
export interface KmipOperation<Request, Response> {
  /** OperationEnumeration name; also the root tag of a bare Cosmian JSON request. */
  readonly name: string;
  /** Oldest protocol version that defines the operation (Sign and crypto ops need 1.2). */
  readonly minimumVersion: ProtocolVersion;
  /**
   * Whether sending the same request twice leaves the server as sending it once. Creates
   * are not: a retry after an ambiguous failure could make a second key.
   */
  readonly isIdempotent: boolean;
  buildPayload(request: Request, context: OperationContext): TtlvNode[];
  parsePayload(payload: TtlvStructure, context: OperationContext): Response;
}

export type RequestOf<O> = O extends KmipOperation<infer Request, unknown> ? Request : never;
export type ResponseOf<O> = O extends KmipOperation<unknown, infer Response> ? Response : never;

/** A bare operation tree, e.g. `{"tag":"Sign","value":[...]}`, as Cosmian's `/kmip/2_1` takes it. */
export function bareOperation<Request>(
  operation: KmipOperation<Request, unknown>,
  request: Request,
  context: OperationContext,
): TtlvStructure {
  return { tag: operation.name, type: 'Structure', value: operation.buildPayload(request, context) };
}

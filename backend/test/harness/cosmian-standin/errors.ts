/**
 * The Cosmian server's error variants as the stand-in raises them (`crate/server/src/error.rs`),
 * because the same variant is shown two ways: as a 422/500 text body for a bare operation,
 * and as a failed BatchItem in a RequestMessage (`routes/mod.rs`, `operations/message.rs`).
 */
/** `crate/server/src/error.rs` variants the stand-in can raise, with their Display prefix. */
export type StandInError =
  | { kind: 'kmip21'; reason: string; message: string }
  | { kind: 'itemNotFound'; message: string }
  | { kind: 'invalidRequest'; message: string }
  | { kind: 'notSupported'; message: string }
  | { kind: 'server'; message: string };

export class StandInFailure extends Error {
  constructor(readonly error: StandInError) {
    super(displayError(error));
  }
}

/** `KmsError`'s Display (thiserror attributes in error.rs). */
export function displayError(error: StandInError): string {
  switch (error.kind) {
    case 'kmip21':
      return `${error.reason}: ${error.message}`;
    case 'itemNotFound':
      return `Item not found: ${error.message}`;
    case 'invalidRequest':
      return `Invalid Request: ${error.message}`;
    case 'notSupported':
      return `Not Supported: ${error.message}`;
    case 'server':
      return `Unexpected server error: ${error.message}`;
  }
}

/** `routes/mod.rs` status_code(): KMIP-level errors are 422, server errors 500 (unless "not supported"). */
export function httpStatusOf(error: StandInError): number {
  if (error.kind === 'server') return /not supported/i.test(error.message) ? 422 : 500;
  return 422;
}

/** `operations/message.rs`: the ResultReason and ResultMessage of a failed BatchItem. */
export function batchFailureOf(error: StandInError): {
  reason: string;
  message: string;
} {
  switch (error.kind) {
    case 'kmip21':
      return { reason: error.reason, message: error.message };
    case 'itemNotFound':
      return { reason: 'Item_Not_Found', message: error.message };
    case 'invalidRequest':
    case 'notSupported':
    case 'server':
      // "anything else → Operation_Not_Supported", the message holding the real cause.
      return {
        reason: 'Operation_Not_Supported',
        message: displayError(error),
      };
  }
}

export const fail = (error: StandInError): never => {
  throw new StandInFailure(error);
};

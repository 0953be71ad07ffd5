import { KmsInvalidRequest } from '../errors.js';

/**
 * A TTLV tree that cannot be put on the wire: an unknown tag or enumeration name, a value
 * out of range for its item type. It is the caller's request that is wrong, so it is a
 * KmsInvalidRequest (code KMS_INVALID_REQUEST, never retried); `path` names the item.
 */
export class KmipEncodeError extends KmsInvalidRequest {
  /** What is wrong, without the location. */
  readonly reason: string;
  /** Where in the tree encoding stopped, e.g. "RequestMessage/BatchItem/Operation". */
  readonly path: string | undefined;

  constructor(reason: string, path?: string) {
    super(path === undefined ? reason : `${reason} (at ${path})`, {
      operation: 'encode',
    });
    this.reason = reason;
    this.path = path;
  }

  /** The same error seen from `parent`: its path gains the parent's tag in front. */
  within(parent: string): KmipEncodeError {
    return new KmipEncodeError(this.reason, this.path === undefined ? parent : `${parent}/${this.path}`);
  }
}

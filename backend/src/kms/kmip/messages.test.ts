import { describe, expect, it } from 'vitest';

import { encodeJson } from './codec/json.js';
import {
  KmsInvalidRequest,
  KmsNotFound,
  KmsPermissionDenied,
  KmsProtocolError,
  KmsRateLimited,
  KmsUnavailable,
} from './errors.js';
import { buildRequestMessage, errorOfResult, KMIP_1_4, parseResponseMessage, unwrapBatchItem } from './messages.js';

describe('request header', () => {
  it('carries a username/password credential before the batch count (KMIP 1.4 §2.1.2)', () => {
    const message = buildRequestMessage({
      version: KMIP_1_4,
      authentication: { username: 'alice', password: 'secret' },
      batchItems: [{ operation: 'Query', payload: [] }],
    });
    expect(encodeJson(message)).toEqual({
      tag: 'RequestMessage',
      value: [
        {
          tag: 'RequestHeader',
          value: [
            {
              tag: 'ProtocolVersion',
              value: [
                { tag: 'ProtocolVersionMajor', type: 'Integer', value: 1 },
                { tag: 'ProtocolVersionMinor', type: 'Integer', value: 4 },
              ],
            },
            {
              tag: 'Authentication',
              value: [
                {
                  tag: 'Credential',
                  value: [
                    { tag: 'CredentialType', type: 'Enumeration', value: 'UsernameAndPassword' },
                    {
                      tag: 'CredentialValue',
                      value: [
                        { tag: 'Username', type: 'TextString', value: 'alice' },
                        { tag: 'Password', type: 'TextString', value: 'secret' },
                      ],
                    },
                  ],
                },
              ],
            },
            { tag: 'BatchCount', type: 'Integer', value: 1 },
          ],
        },
        {
          tag: 'BatchItem',
          value: [
            { tag: 'Operation', type: 'Enumeration', value: 'Query' },
            { tag: 'RequestPayload', value: [] },
          ],
        },
      ],
    });
  });
});

describe('result reason → normalized error', () => {
  it.each([
    ['Item_Not_Found', KmsNotFound],
    ['Object_Destroyed', KmsNotFound],
    ['Permission_Denied', KmsPermissionDenied],
    ['Authentication_Not_Successful', KmsPermissionDenied],
    ['Wrong_Key_Lifecycle_State', KmsPermissionDenied],
    ['Invalid_Field', KmsInvalidRequest],
    ['Invalid_Message', KmsInvalidRequest],
    ['Operation_Not_Supported', KmsInvalidRequest],
    ['Cryptographic_Failure', KmsInvalidRequest],
    ['Server_Limit_Exceeded', KmsRateLimited],
    ['Internal_Server_Error', KmsUnavailable],
    ['General_Failure', KmsUnavailable],
  ] as const)('%s', (reason, ErrorClass) => {
    const error = errorOfResult(reason, 'server says so', 'Sign');
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toMatchObject({ serverReason: reason, serverMessage: 'server says so', operation: 'Sign' });
    // Vendor text stays in serverMessage: the message a client may see is ours (issue 10).
    expect(error.message).toBe(`KMIP Sign failed: ${reason}`);
  });

  it('a response for another operation, or a pending one, is a protocol error', () => {
    const base = { uniqueBatchItemId: undefined, reason: undefined, message: undefined, payload: undefined };
    expect(() => unwrapBatchItem({ ...base, operation: 'Get', status: 'Success' }, 'Sign')).toThrow(KmsProtocolError);
    expect(() => unwrapBatchItem({ ...base, operation: 'Sign', status: 'OperationPending' }, 'Sign')).toThrow(
      KmsProtocolError,
    );
  });

  it('a tree that is not a ResponseMessage is a protocol error', () => {
    expect(() => parseResponseMessage({ tag: 'RequestMessage', type: 'Structure', value: [] })).toThrow(
      KmsProtocolError,
    );
    expect(() => parseResponseMessage({ tag: 'ResponseMessage', type: 'Structure', value: [] })).toThrow(
      KmsProtocolError,
    );
  });
});

/** Every operation this client speaks, each a typed builder + parser over TTLV trees. */
export { activate, type ActivateRequest, type ActivateResponse } from './activate.js';
export { create, type CreateRequest, type CreateResponse } from './create.js';
export { createKeyPair, type CreateKeyPairRequest, type CreateKeyPairResponse } from './create-key-pair.js';
export { decrypt, type DecryptRequest, type DecryptResponse } from './decrypt.js';
export { destroy, type DestroyRequest, type DestroyResponse } from './destroy.js';
export { discoverVersions, type DiscoverVersionsRequest, type DiscoverVersionsResponse } from './discover-versions.js';
export { encrypt, type EncryptRequest, type EncryptResponse } from './encrypt.js';
export { get, type GetRequest, type GetResponse } from './get.js';
export { getAttributes, type GetAttributesRequest, type GetAttributesResponse } from './get-attributes.js';
export { locate, type LocateRequest, type LocateResponse } from './locate.js';
export { query, type QueryFunction, type QueryRequest, type QueryResponse } from './query.js';
export { register, type RegisterRequest, type RegisterResponse } from './register.js';
export { revoke, type RevocationReasonCode, type RevokeRequest, type RevokeResponse } from './revoke.js';
export { sign, type SignRequest, type SignResponse } from './sign.js';
export {
  signatureVerify,
  type SignatureVerifyRequest,
  type SignatureVerifyResponse,
  type ValidityIndicator,
} from './signature-verify.js';
export type {
  Attributes,
  CryptographicDomainParameters,
  CryptographicParameters,
  Link,
  Name,
  ParsedAttributes,
  VendorAttribute,
} from './attributes.js';
export type { KeyBlock, ManagedObject, ManagedObjectInput } from './managed-object.js';
export type { KmipOperation, OperationContext } from './operation.js';
export { signatureParameters, type SignatureHash, type SignatureScheme } from './signature-parameters.js';

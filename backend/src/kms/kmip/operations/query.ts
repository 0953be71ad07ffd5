import { KMIP_1_0 } from '../messages.js';
import type { TtlvStructure } from '../ttlv/types.js';
import type { KmipOperation } from './operation.js';
import { asStructure, enumValueName, enumeration, findChild, findChildren, readText } from './tree.js';

export type QueryFunction =
  | 'QueryOperations'
  | 'QueryObjects'
  | 'QueryServerInformation'
  | 'QueryApplicationNamespaces'
  | 'QueryExtensionList'
  | 'QueryExtensionMap'
  | 'QueryAttestationTypes'
  | 'QueryRNGs'
  | 'QueryValidations'
  | 'QueryProfiles'
  | 'QueryCapabilities'
  | 'QueryClientRegistrationMethods';

export interface QueryRequest {
  functions: QueryFunction[];
}
export interface QueryResponse {
  operations: string[];
  objectTypes: string[];
  vendorIdentification: string | undefined;
  serverName: string | undefined;
  serverVersion: string | undefined;
  /** The ServerInformation structure as sent (its content is vendor-defined). */
  serverInformation: TtlvStructure | undefined;
}

/** KMIP 2.1 §6.1.37. */
export const query: KmipOperation<QueryRequest, QueryResponse> = {
  name: 'Query',
  minimumVersion: KMIP_1_0,
  isIdempotent: true,
  buildPayload: (request) => request.functions.map((fn) => enumeration('QueryFunction', fn)),
  parsePayload: (payload) => {
    const informationNode = findChild(payload, 'ServerInformation');
    const serverInformation = informationNode ? asStructure(informationNode, 'ServerInformation') : undefined;
    return {
      operations: findChildren(payload, 'Operation').map((node) => String(enumValueName(node))),
      objectTypes: findChildren(payload, 'ObjectType').map((node) => String(enumValueName(node))),
      vendorIdentification: readText(payload, 'VendorIdentification'),
      serverName: serverInformation ? readText(serverInformation, 'ServerName') : undefined,
      serverVersion: serverInformation ? readText(serverInformation, 'ServerVersion') : undefined,
      serverInformation,
    };
  },
};

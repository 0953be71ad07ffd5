import { KMIP_1_1, parseProtocolVersion, protocolVersionNode, type ProtocolVersion } from '../messages.js';
import type { KmipOperation } from './operation.js';
import { findChildren } from './tree.js';

export interface DiscoverVersionsRequest {
  /** Versions the client supports, preferred first; empty asks for all the server has. */
  versions?: ProtocolVersion[];
}
export interface DiscoverVersionsResponse {
  /** The server's versions, preferred first. */
  versions: ProtocolVersion[];
}

/** KMIP 2.1 §6.1.18. */
export const discoverVersions: KmipOperation<DiscoverVersionsRequest, DiscoverVersionsResponse> = {
  name: 'DiscoverVersions',
  minimumVersion: KMIP_1_1,
  isIdempotent: true,
  buildPayload: (request) => (request.versions ?? []).map(protocolVersionNode),
  parsePayload: (payload) => ({ versions: findChildren(payload, 'ProtocolVersion').map(parseProtocolVersion) }),
};

/**
 * The stand-in's DiscoverVersions and Query (Cosmian `crate/server/src/core/operations/`
 * discover_versions.rs and query.rs), which describe the server rather than an object.
 */
import { allChildren, child, enumeration, integer, readEnum, readInteger, structure, text } from './json-ttlv.js';
import type { JsonTtlv } from './json-ttlv.js';
import { SINCE, isAtLeast } from './server-versions.js';
import type { StandInServer } from './server-versions.js';

/** `operations/discover_versions.rs`: what the server speaks, newest first. */
const PROTOCOL_VERSIONS: readonly (readonly [number, number])[] = [
  [2, 1],
  [2, 0],
  [1, 4],
  [1, 3],
  [1, 2],
  [1, 1],
  [1, 0],
];

/** `operations/discover_versions.rs`: the client's list filtered to what the server speaks, or all. */
export function discoverVersions(payload: JsonTtlv): JsonTtlv {
  const asked = allChildren(payload, 'ProtocolVersion').map(
    (node) =>
      [readInteger(child(node, 'ProtocolVersionMajor')), readInteger(child(node, 'ProtocolVersionMinor'))] as const,
  );
  const answer =
    asked.length === 0
      ? PROTOCOL_VERSIONS
      : asked.filter(([major, minor]) => PROTOCOL_VERSIONS.some(([m, n]) => m === major && n === minor));
  return structure(
    'DiscoverVersionsResponse',
    answer.map(([major, minor]) =>
      structure('ProtocolVersion', [
        integer('ProtocolVersionMajor', major ?? 0),
        integer('ProtocolVersionMinor', minor ?? 0),
      ]),
    ),
  );
}

/**
 * `operations/query.rs`: operations list and server information; the vendor is the
 * server's KMS_VENDOR_IDENTIFICATION since 5.17, the fixed "Cosmian" before.
 */
export function query(server: StandInServer, payload: JsonTtlv): JsonTtlv {
  const functions = allChildren(payload, 'QueryFunction').map((node) => readEnum(node));
  const answer: JsonTtlv[] = [];
  if (functions.includes('QueryOperations')) {
    for (const name of ['CreateKeyPair', 'Get', 'GetAttributes', 'Locate', 'Activate', 'Revoke', 'Destroy', 'Sign']) {
      answer.push(enumeration('Operation', name));
    }
    answer.push(enumeration('Operation', 'Query'), enumeration('Operation', 'DiscoverVersions'));
  }
  if (functions.includes('QueryServerInformation')) {
    const { major, minor, patch } = server.version;
    answer.push(
      text('VendorIdentification', isAtLeast(server, SINCE.configurableVendor) ? server.vendorId : 'Cosmian'),
      structure('ServerInformation', [
        text('ServerName', 'Cosmian KMS'),
        text('ServerVersion', `${major}.${minor}.${patch}`),
      ]),
    );
  }
  return structure('QueryResponse', answer);
}

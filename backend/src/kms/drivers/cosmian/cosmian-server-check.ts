/**
 * The check the driver makes the first time it reaches the server, and again on every
 * health probe: the version (`GET /version`, with credentials) is at least the floor, the
 * credentials work for KMIP (Query is an authenticated call), and the server tags objects
 * with the vendor id we tag them with (else Locate by tag finds nothing and list() is
 * silently empty). A server that cannot be reached is not a failure of the check: the
 * driver starts anyway and checks again on its next call.
 */
import { KmsProtocolError, KmsUnavailable } from '../../kmip/index.js';
import type { CallOptions, KmipClient } from '../../kmip/index.js';
import { fetchCosmianHealth, fetchCosmianVersion } from './cosmian-server-info.js';
import type { CosmianHttpOptions } from './cosmian-server-info.js';
import { COSMIAN_CHANGES, COSMIAN_VERSION_FLOOR, CosmianServerTooOld, isAtLeast } from './cosmian-versions.js';
import type { CosmianServer } from './cosmian-versions.js';

/** What servers before 5.17 tag with; the setting to change it did not exist yet. */
const FIXED_VENDOR_ID = 'cosmian';

/** PKI_COSMIAN_VENDOR_ID is not the server's KMS_VENDOR_IDENTIFICATION. */
export class CosmianVendorMismatch extends KmsProtocolError {
  constructor(configured: string, served: string | undefined) {
    super(
      `PKI_COSMIAN_VENDOR_ID is "${configured}" but the server tags objects as ` +
        `"${served ?? 'unknown'}" (its KMS_VENDOR_IDENTIFICATION): set PKI_COSMIAN_VENDOR_ID to match`,
      { operation: 'Query' },
    );
  }
}

export interface CosmianServerCheck {
  http: CosmianHttpOptions;
  client: KmipClient;
  vendorId: string;
  /** Health checks also read `/health` (the server's own database status). */
  includesHealth: boolean;
  call?: CallOptions;
}

export async function checkCosmianServer(check: CosmianServerCheck): Promise<CosmianServer> {
  const server = await fetchCosmianVersion(check.http);
  if (!isAtLeast(server.version, COSMIAN_VERSION_FLOOR)) throw new CosmianServerTooOld(server);
  const information = await check.client.query(['QueryServerInformation'], check.call);
  const served = isAtLeast(server.version, COSMIAN_CHANGES.configurableVendorIdentification)
    ? information.vendorIdentification
    : FIXED_VENDOR_ID;
  if (served !== check.vendorId) throw new CosmianVendorMismatch(check.vendorId, served);
  if (check.includesHealth) {
    const health = await fetchCosmianHealth(check.http);
    if (!health.isUp) {
      throw new KmsUnavailable(`Cosmian GET /health reports ${health.detail}`, { operation: 'health' });
    }
  }
  return server;
}

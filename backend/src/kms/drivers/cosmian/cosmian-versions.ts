/**
 * The Cosmian KMS versions this driver supports, and the one table of what changes inside
 * that range. Every fact is read in Cosmian's source (Cosmian/kms, tags 5.8.0 … 5.26.0);
 * the stand-in (test/harness/cosmian-standin/server-versions.ts) reproduces each one.
 *
 * The floor is 5.15.0, the first release where an unmodified server does everything the
 * driver needs with no workaround that could sign wrongly:
 * - 5.13.0: RSA-PSS takes its hash from HashingAlgorithm (5.8–5.12 always used SHA-256,
 *   `crate/server/src/core/operations/sign.rs` at 5.8.0), and Get refuses only Deactivated
 *   keys (5.8–5.12 answer Object_Not_Found for every revoked key).
 * - 5.14.1: non-FIPS builds sign a P-256 DigestedData as given (RFC 6979 `sign_prehash`).
 * - 5.15.0: `/health` exists and `/version` is outside the authenticated scope
 *   (`crate/server/src/start_kms_server.rs`); the driver sends credentials to both anyway.
 * 5.26.0 would be the other natural floor (the ECDSA fix), but 5.15–5.25 sign correctly when
 * given `Data` instead of a digest, so the driver does that rather than refuse them.
 */
import { KmsProtocolError } from '../../kmip/index.js';

export interface CosmianVersion {
  major: number;
  minor: number;
  patch: number;
}

/** What `GET /version` says: `5.26.0 (OpenSSL 3.6.0 1 Oct 2025-non-FIPS)`. */
export interface CosmianServer {
  version: CosmianVersion;
  /** From the suffix of the OpenSSL part; undefined when the server does not say. */
  build: 'fips' | 'non-fips' | undefined;
  /** As the server wrote it, for operators. */
  text: string;
}

export const COSMIAN_VERSION_FLOOR: CosmianVersion = { major: 5, minor: 15, patch: 0 };

/**
 * Behaviour that changed inside the supported range: the first version with the new
 * behaviour. Anything version-dependent in the driver reads this table and nothing else.
 */
export const COSMIAN_CHANGES = {
  /**
   * Query's VendorIdentification is the server's KMS_VENDOR_IDENTIFICATION (`operations/
   * query.rs`); before, that setting did not exist, the tag vendor was always `cosmian` and
   * Query answered the fixed string "Cosmian".
   */
  configurableVendorIdentification: { major: 5, minor: 17, patch: 0 },
  /**
   * Locate returns at most 1000 identifiers whatever MaximumItems asks, ignores OffsetItems
   * (no version reads it) and reports the truncated count as LocatedItems
   * (`operations/locate.rs` MAX_LOCATE_ITEMS, CHANGELOG 5.21.0 "EXT2-4/A04-3").
   */
  locateCap: { major: 5, minor: 21, patch: 0 },
  /**
   * Sign on a key that is not Active answers Permission_Denied naming the state
   * (`key_ops/crypto_op.rs`); before, the same Item_Not_Found as an unknown key.
   */
  signRefusesInactiveKeyByState: { major: 5, minor: 25, patch: 0 },
  /**
   * ECDSA over DigestedData signs the digest as given on every build and curve
   * (`EcdsaSig::sign` in `crate/crypto/src/crypto/elliptic_curves/sign.rs`). Before, the
   * OpenSSL path (P-384 always, P-256 on FIPS builds) hashed the digest again with the
   * DSA's hash, a signature that never verifies; the non-FIPS P-256 path was right.
   */
  ecdsaDigestSignedAsGiven: { major: 5, minor: 26, patch: 0 },
} as const satisfies Record<string, CosmianVersion>;

/** MAX_LOCATE_ITEMS of `operations/locate.rs` since 5.21.0. */
export const COSMIAN_LOCATE_CAP = 1000;

export function isAtLeast(version: CosmianVersion, wanted: CosmianVersion): boolean {
  if (version.major !== wanted.major) return version.major > wanted.major;
  if (version.minor !== wanted.minor) return version.minor > wanted.minor;
  return version.patch >= wanted.patch;
}

export function formatVersion(version: CosmianVersion): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}

/** The server is older than the floor: not retryable, fix the deployment. */
export class CosmianServerTooOld extends KmsProtocolError {
  constructor(readonly server: CosmianServer) {
    super(
      `Cosmian KMS ${formatVersion(server.version)} is older than ${formatVersion(COSMIAN_VERSION_FLOOR)}, ` +
        'the oldest version this driver supports (kms/README.md lists why)',
      { operation: 'version' },
    );
  }
}

/** `5.26.0 (OpenSSL 3.6.0 1 Oct 2025-non-FIPS)` → 5.26.0, non-FIPS. */
export function parseCosmianVersion(body: unknown): CosmianServer {
  const match = typeof body === 'string' ? /^(\d+)\.(\d+)\.(\d+)/.exec(body) : null;
  if (typeof body !== 'string' || match === null) {
    throw new KmsProtocolError('Cosmian GET /version did not answer a version string', { operation: 'version' });
  }
  const build = /-non-FIPS\)?\s*$/i.test(body) ? 'non-fips' : /-FIPS\)?\s*$/i.test(body) ? 'fips' : undefined;
  return {
    version: { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) },
    build,
    text: body,
  };
}

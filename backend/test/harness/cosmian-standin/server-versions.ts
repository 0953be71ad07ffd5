/**
 * How the Cosmian server's behaviour changes from 5.8.0 to 5.26.0, as the stand-in plays
 * it: each entry is the first release with the newer behaviour, read in that tag of
 * Cosmian/kms (paths below). Written apart from the driver's own table on purpose (and it
 * covers versions the driver refuses): a shared table would make a wrong fact pass both.
 */

export interface StandInVersion {
  major: number;
  minor: number;
  patch: number;
}

export type StandInBuild = 'non-FIPS' | 'FIPS';

export interface StandInServer {
  version: StandInVersion;
  build: StandInBuild;
  /** KMS_VENDOR_IDENTIFICATION (5.17+); earlier servers always use `cosmian`. */
  vendorId: string;
}

const v = (major: number, minor: number, patch: number): StandInVersion => ({ major, minor, patch });

export const SINCE = {
  /** `operations/sign.rs`: RSA-PSS hash from HashingAlgorithm; before, SHA-256 from the DSA alone. */
  pssHashFromParameters: v(5, 13, 0),
  /** `export_get.rs` l.84-93: Get refuses Deactivated keys only; before, Object_Not_Found for revoked ones. */
  getOfRevokedByState: v(5, 13, 0),
  /** `elliptic_curves/sign.rs`: the non-FIPS P-256 path signs DigestedData as a prehash. */
  p256PrehashSigning: v(5, 14, 1),
  /** `start_kms_server.rs`: `/health` added and `/version` moved out of the authenticated scope. */
  publicVersionAndHealth: v(5, 15, 0),
  /** `clap_config.rs` KMS_VENDOR_IDENTIFICATION; `operations/query.rs` reports it (before: "Cosmian"). */
  configurableVendor: v(5, 17, 0),
  /** `operations/locate.rs` MAX_LOCATE_ITEMS = 1000. */
  locateCap: v(5, 21, 0),
  /** `key_ops/crypto_op.rs`: Sign's "no valid key" message names the operation "Sign". */
  signErrorFromCryptoOp: v(5, 24, 0),
  /** `key_ops/crypto_op.rs`: a key in the wrong state is Permission_Denied naming the state. */
  signRefusalByState: v(5, 25, 0),
  /** `elliptic_curves/sign.rs` `EcdsaSig::sign`: DigestedData signed as given on the OpenSSL path. */
  opensslPrehashSigning: v(5, 26, 0),
} as const;

export const LOCATE_CAP = 1000;

export function isAtLeast(server: StandInServer, since: StandInVersion): boolean {
  const { version } = server;
  if (version.major !== since.major) return version.major > since.major;
  if (version.minor !== since.minor) return version.minor > since.minor;
  return version.patch >= since.patch;
}

export function parseStandInVersion(text: string): StandInVersion {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (match === null) throw new Error(`stand-in version must be x.y.z, got ${text}`);
  return v(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** The vendor id the server tags objects with. */
export function tagVendorOf(server: StandInServer): string {
  return isAtLeast(server, SINCE.configurableVendor) ? server.vendorId : 'cosmian';
}

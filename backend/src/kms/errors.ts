/**
 * The KMS error family as the rest of the app imports it. The classes live in the KMIP
 * library (kms/kmip/errors.ts) so that the library stays standalone; services, pki/ and the
 * edge import them from here and never reach into the library.
 */
export * from './kmip/errors.js';

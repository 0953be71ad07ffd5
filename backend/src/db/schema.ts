/**
 * The domain schema. Migrations in backend/drizzle/ are generated from this file by
 * drizzle-kit (`pnpm --filter @pki/backend db:generate`) and applied at boot; never edit
 * the generated SQL except to append statements drizzle-kit cannot express (triggers),
 * in a migration of their own.
 *
 * Timestamps are integer milliseconds since the epoch (`mode: 'timestamp_ms'`), so
 * ordering and range queries are plain integer comparisons.
 */
import { sql } from 'drizzle-orm';
import { blob, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

import {
  APPROVAL_STATUSES,
  AUDIT_STATUSES,
  CA_STATUSES,
  CERTIFICATE_STATUSES,
  KEY_ALGORITHMS,
  KEY_PURPOSES,
  KEY_STATES,
  KMS_BACKENDS,
  REVOCATION_REASONS,
  USER_ROLES,
} from '@pki/shared';

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

/** Keys held in a key store; the private key never leaves it, we keep references. */
export const kmsKeys = sqliteTable(
  'kms_keys',
  {
    id: text('id').primaryKey(),
    backend: text('backend', { enum: KMS_BACKENDS }).notNull(),
    /** The key store's unique identifier of the private key. */
    privateKeyRef: text('private_key_ref').notNull(),
    publicKeyRef: text('public_key_ref'),
    algorithm: text('algorithm', { enum: KEY_ALGORITHMS }).notNull(),
    purpose: text('purpose', { enum: KEY_PURPOSES }).notNull(),
    label: text('label').notNull().unique(),
    /** SubjectPublicKeyInfo DER, cached so verification and SKIs need no KMS call. */
    publicKeySpki: blob('public_key_spki', { mode: 'buffer' }).notNull(),
    isExportable: integer('is_exportable', { mode: 'boolean' }).notNull().default(false),
    /** Set when a private key was exported once (PKCS#12 download); never again after. */
    exportedAt: integer('exported_at', { mode: 'timestamp_ms' }),
    state: text('state', { enum: KEY_STATES }).notNull(),
    revocationReason: text('revocation_reason', { enum: REVOCATION_REASONS }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    destroyedAt: integer('destroyed_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' })
      .notNull()
      .default(sql`(unixepoch('subsec') * 1000)`),
  },
  (table) => [
    uniqueIndex('kms_keys_backend_private_ref_idx').on(table.backend, table.privateKeyRef),
    index('kms_keys_state_idx').on(table.state),
  ],
);

/**
 * The `local` key store driver's own table (not the app's view of keys: that is
 * `kms_keys`). It plays the part a remote KMS plays for the other drivers: private keys
 * sealed with age to the identity in `${PKI_DATA_DIR}/kms/identity.age`. After destroy
 * the row stays as a tombstone with the key material removed.
 */
export const localKmsKeys = sqliteTable(
  'local_kms_keys',
  {
    privateKeyRef: text('private_key_ref').primaryKey(),
    /** Namespaced label, `<namespace>/<label>`. */
    label: text('label').notNull().unique(),
    algorithm: text('algorithm', { enum: KEY_ALGORITHMS }).notNull(),
    /** age-encrypted PKCS#8 DER (binary age format); null once destroyed. */
    sealedPrivateKey: blob('sealed_private_key', { mode: 'buffer' }),
    /** SubjectPublicKeyInfo DER; null once destroyed. */
    publicKeySpki: blob('public_key_spki', { mode: 'buffer' }),
    isExportable: integer('is_exportable', { mode: 'boolean' }).notNull(),
    state: text('state', { enum: KEY_STATES }).notNull(),
    revocationReason: text('revocation_reason', { enum: REVOCATION_REASONS }),
    revocationMessage: text('revocation_message'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    destroyedAt: integer('destroyed_at', { mode: 'timestamp_ms' }),
  },
  (table) => [index('local_kms_keys_state_idx').on(table.state)],
);

export const certificateAuthorities = sqliteTable(
  'certificate_authorities',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull().unique(),
    /** Null for a root; for an intermediate, the CA that signed it. */
    parentId: text('parent_id'),
    keyId: text('key_id')
      .notNull()
      .references(() => kmsKeys.id),
    subjectDn: text('subject_dn').notNull(),
    /** Pending CAs (a CSR sent to an external root) have no certificate yet. */
    certificateDer: blob('certificate_der', { mode: 'buffer' }),
    serialHex: text('serial_hex'),
    notBefore: integer('not_before', { mode: 'timestamp_ms' }),
    notAfter: integer('not_after', { mode: 'timestamp_ms' }),
    pathLength: integer('path_length'),
    status: text('status', { enum: CA_STATUSES }).notNull(),
    revocationReason: text('revocation_reason', { enum: REVOCATION_REASONS }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    /** Monotonic CRL number (RFC 5280 §5.2.3) of the last CRL published. */
    crlNumber: integer('crl_number').notNull().default(0),
    /**
     * Bumped in the transaction of every revocation this CA's CRL must list; the CRL
     * publisher records in `crlPublishedRevision` the value its last CRL was built from.
     * While the two differ the CRL must be re-signed (pki/crl-publisher.ts retries until it is).
     */
    crlRevision: integer('crl_revision').notNull().default(0),
    crlPublishedRevision: integer('crl_published_revision').notNull().default(0),
    /** PEM of the external issuers above a sub-CA signed outside (chain exports need them). */
    issuerChainPem: text('issuer_chain_pem'),
    createdAt: createdAt(),
  },
  (table) => [index('certificate_authorities_parent_idx').on(table.parentId)],
);

/**
 * The latest CRL of each CA (RFC 5280 §5), cached as DER so serving it costs no signature;
 * replaced on every revocation and before nextUpdate by the scheduler.
 */
export const crls = sqliteTable('crls', {
  caId: text('ca_id')
    .primaryKey()
    .references(() => certificateAuthorities.id),
  crlNumber: integer('crl_number').notNull(),
  thisUpdate: integer('this_update', { mode: 'timestamp_ms' }).notNull(),
  nextUpdate: integer('next_update', { mode: 'timestamp_ms' }).notNull(),
  entryCount: integer('entry_count').notNull(),
  der: blob('der', { mode: 'buffer' }).notNull(),
});

export const certificates = sqliteTable(
  'certificates',
  {
    id: text('id').primaryKey(),
    caId: text('ca_id')
      .notNull()
      .references(() => certificateAuthorities.id),
    /** Lower-case hex without separators. */
    serialHex: text('serial_hex').notNull(),
    subjectDn: text('subject_dn').notNull(),
    commonName: text('common_name'),
    /** JSON array of "dns:…", "ip:…", "email:…", "uri:…". */
    sans: text('sans', { mode: 'json' })
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    profile: text('profile').notNull(),
    notBefore: integer('not_before', { mode: 'timestamp_ms' }).notNull(),
    notAfter: integer('not_after', { mode: 'timestamp_ms' }).notNull(),
    der: blob('der', { mode: 'buffer' }).notNull(),
    status: text('status', { enum: CERTIFICATE_STATUSES }).notNull(),
    revocationReason: text('revocation_reason', { enum: REVOCATION_REASONS }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    /** Set when the key pair was generated in the key store for this certificate. */
    keyId: text('key_id').references(() => kmsKeys.id),
    /** The subject key's algorithm, for the inventory's filter; null on rows issued before it was recorded. */
    keyAlgorithm: text('key_algorithm', { enum: KEY_ALGORITHMS }),
    createdAt: createdAt(),
  },
  // The inventory (certificates.list) pages by keyset over (sort column, id): each sort has
  // its index, and each equality filter an index that also orders by notBefore, the default
  // sort (newest issued first), so a filtered first page reads one page of the index. Text
  // search goes through certificates_search (FTS5 trigram, migration 0012).
  (table) => [
    uniqueIndex('certificates_ca_serial_idx').on(table.caId, table.serialHex),
    index('certificates_status_issued_idx').on(table.status, table.notBefore, table.id),
    // "What expires next among the active ones" is the second view everyone opens.
    index('certificates_status_idx').on(table.status, table.notAfter, table.id),
    index('certificates_not_after_idx').on(table.notAfter, table.id),
    index('certificates_not_before_idx').on(table.notBefore, table.id),
    index('certificates_subject_idx').on(table.subjectDn, table.id),
    index('certificates_ca_issued_idx').on(table.caId, table.notBefore, table.id),
    index('certificates_profile_issued_idx').on(table.profile, table.notBefore, table.id),
    index('certificates_key_algorithm_issued_idx').on(table.keyAlgorithm, table.notBefore, table.id),
  ],
);

/**
 * Append-only, hash-chained record of every key operation. `seq` orders the chain;
 * `hash` = SHA-256(canonical(row) ‖ prev_hash). Triggers (a migration of their own)
 * refuse UPDATE and DELETE.
 *
 * Every index costs each append one more B-tree page written to the WAL at commit (the
 * bulk of an audited signature's overhead), so there are as few as the queries need:
 * - by time: none. Timestamps never decrease along `seq` (AuditChain), so a time range is a
 *   `seq` range found by binary search on the primary key (audit/time-range.ts).
 * - by actor, operation, entity: SQLite ends every index key with the rowid (= `seq`), so
 *   `(actor)` is `(actor, seq)`: newest-first pages of one actor walk the index backwards,
 *   without a sort, and a time range narrows it by `seq` too.
 * - by operation, signatures excepted (a partial index): `kms.sign` rows are most of the log
 *   (every certificate, CRL and OCSP response), so a newest-first scan finds them at once,
 *   while each rarer operation (a revocation, a destruction) is an index walk. Leaving them
 *   out saves every audited signature a page. AuditLogReader repeats the index's condition
 *   next to `operation = ?`, which is how SQLite knows the partial index applies.
 * - by request id: `(request_id)`, all rows. The rows of one request share a key, so they land
 *   on one leaf page: an issuance's key generation, signature and issuance rows cost one page
 *   together; a lone row (an OCSP signature, a sign-in) costs one. Leaving signatures out, as
 *   the operation index does, would hide exactly the OCSP rows a request id is asked about.
 * - by status, successes excepted (a partial index): failures and denials are what is searched
 *   for and are rare, so the index costs the append of a success row nothing. Successes are
 *   most of the log, found at once down the primary key. AuditLogReader states the condition.
 * `seq` keeps AUTOINCREMENT although sqlite_sequence costs one more page per commit: it
 * remembers the highest `seq` ever issued, which is how verifyAuditChain sees rows removed
 * from the end of the chain.
 */
/** The operation of an audited signature's row (KMSService); the operation index leaves these rows out. */
export const AUDIT_SIGN_OPERATION = 'kms.sign';
/** The status the status index leaves out. */
export const AUDIT_SUCCESS_STATUS = 'success';

export const auditLog = sqliteTable(
  'audit_log',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    // Not unique-indexed either, for the same reason as `hash`: nothing looks a row up by
    // id, and a time-ordered UUIDv7 from 74 random bits does not repeat.
    id: text('id').notNull(),
    timestamp: integer('timestamp', { mode: 'timestamp_ms' }).notNull(),
    actor: text('actor').notNull(),
    operation: text('operation').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    status: text('status', { enum: AUDIT_STATUSES }).notNull(),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    kmsOperationId: text('kms_operation_id'),
    requestId: text('request_id'),
    prevHash: text('prev_hash').notNull(),
    // Not indexed: nothing looks a row up by hash (verifyAuditChain walks by seq), and a
    // unique index on random hashes cost a cold, random B-tree page per append (audit/chain.ts).
    hash: text('hash').notNull(),
  },
  (table) => [
    index('audit_log_actor_seq_idx').on(table.actor),
    index('audit_log_operation_unsigned_idx')
      .on(table.operation)
      .where(sql`${table.operation} <> ${sql.raw(`'${AUDIT_SIGN_OPERATION}'`)}`),
    index('audit_log_entity_idx').on(table.entityType, table.entityId),
    index('audit_log_request_idx').on(table.requestId),
    index('audit_log_unsuccessful_idx')
      .on(table.status)
      .where(sql`${table.status} <> 'success'`),
  ],
);

/**
 * Local users (a scrypt hash, auth/password-hashing.ts) and OIDC identities (no password;
 * `oidc_issuer` + `oidc_subject` name them, their role comes from the claims at each sign-in).
 */
export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    username: text('username').notNull().unique(),
    displayName: text('display_name'),
    passwordHash: text('password_hash'),
    role: text('role', { enum: USER_ROLES }).notNull(),
    isDisabled: integer('is_disabled', { mode: 'boolean' }).notNull().default(false),
    /** The first-start admin's generated password must be changed before anything else. */
    mustChangePassword: integer('must_change_password', { mode: 'boolean' }).notNull().default(false),
    oidcIssuer: text('oidc_issuer'),
    oidcSubject: text('oidc_subject'),
    createdAt: createdAt(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }),
  },
  (table) => [uniqueIndex('users_oidc_identity_idx').on(table.oidcIssuer, table.oidcSubject)],
);

/**
 * Server-side sessions. The cookie holds an opaque random token; only its SHA-256 is kept.
 * `expires_at` is the absolute end; the idle end is `last_used_at` + PKI_SESSION_IDLE, and
 * `last_used_at` is written at most once a minute so a busy console does not write per call.
 */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** SHA-256 (hex) of the session token; the token itself is never stored. */
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: createdAt(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
  },
  (table) => [index('sessions_user_idx').on(table.userId), index('sessions_expires_idx').on(table.expiresAt)],
);

/**
 * API tokens `pki_<id>_<secret>`: the secret is high-entropy, so an HMAC-SHA-256 keyed with
 * the server's token key (auth/token-key.ts) is the right hash; a slow password hash per
 * request would cost every call. Revoked rows stay, for the audit trail and the list.
 */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role', { enum: USER_ROLES }).notNull(),
    /** HMAC-SHA-256 (hex) of the secret part. */
    secretHash: text('secret_hash').notNull(),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (table) => [index('api_tokens_created_by_idx').on(table.createdBy)],
);

/** Dual-control requests: the exact procedure input a second admin approves or rejects. */
export const approvals = sqliteTable(
  'approvals',
  {
    id: text('id').primaryKey(),
    /** The procedure it stands for, e.g. `keys.destroy` (auth/approval-service.ts registry). */
    operation: text('operation').notNull(),
    input: text('input', { mode: 'json' }).$type<unknown>().notNull(),
    status: text('status', { enum: APPROVAL_STATUSES }).notNull(),
    requestedBy: text('requested_by').notNull(),
    requestedByUserId: text('requested_by_user_id').notNull(),
    requestedAt: integer('requested_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    decidedBy: text('decided_by'),
    decidedAt: integer('decided_at', { mode: 'timestamp_ms' }),
    comment: text('comment'),
    errorCode: text('error_code'),
  },
  (table) => [index('approvals_status_idx').on(table.status, table.requestedAt)],
);

/** Settings an admin changes at run time (dual control); one JSON value per key. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).$type<unknown>().notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  updatedBy: text('updated_by').notNull(),
});

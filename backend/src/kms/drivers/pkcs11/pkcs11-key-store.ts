/**
 * The `pkcs11` key store: keys are generated and used inside a PKCS#11 token (an HSM, or
 * SoftHSM2 in tests) through graphene-pk11, and the private half never leaves it.
 *
 * Config (PKI_KMS_BACKEND=pkcs11):
 *   PKI_PKCS11_MODULE        path of the vendor's PKCS#11 library
 *   PKI_PKCS11_TOKEN_LABEL   label of an initialized token; the slot is found by this label,
 *                            because slot ids move (SoftHSM renumbers a slot on token init)
 *   PKI_PKCS11_PIN           the token's user PIN, or
 *   PKI_PKCS11_PIN_FILE      a file holding it (preferred: the PIN stays out of the environment)
 *   PKI_KMS_NAMESPACE        label prefix of our keys, default "pki-manager"
 *
 * Example, SoftHSM2 on Debian:
 *   softhsm2-util --init-token --free --label pki --so-pin 5678 --pin 1234
 *   PKI_KMS_BACKEND=pkcs11 PKI_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so \
 *   PKI_PKCS11_TOKEN_LABEL=pki PKI_PKCS11_PIN_FILE=/run/secrets/pkcs11-pin pnpm start
 *
 * How the KeyStore contract maps onto PKCS#11:
 * - A key pair is two token objects sharing a random 16-byte CKA_ID. The hex of that id is both
 *   references: it survives restarts, unlike object handles. CKA_LABEL is "<namespace>/<label>".
 * - Private keys are CKA_SENSITIVE, not CKA_EXTRACTABLE, and may only sign. Nothing is ever
 *   exportable, so `capabilities().canExportPrivateKey` is false and `isExportable` is refused.
 * - Revoke: PKCS#11 has no key lifecycle. We clear CKA_SIGN, so the token itself refuses to sign
 *   (CKR_KEY_FUNCTION_NOT_PERMITTED), and append "#revoked:<reason>" to CKA_LABEL, which is where
 *   `describe` reads the state and what an operator sees in `pkcs11-tool --list-objects`.
 *   A token that keeps CKA_SIGN read-only gets the label mark only, enforced by this driver.
 * - Destroy: C_DestroyObject on both objects; the id is then unknown, so every call says KmsNotFound.
 * - Sign: RSA hashes in the token (CKM_SHA256_RSA_PKCS…, CKM_SHA256_RSA_PKCS_PSS with a salt as
 *   long as the hash). ECDSA is hashed here and signed with CKM_ECDSA, because SoftHSM 2.6 has no
 *   CKM_ECDSA_SHA256; the token's r||s is converted to DER.
 * - Sessions: one C_Initialize per process and library (shared by all stores), a small pool of
 *   logged-in sessions, each used by one operation at a time. A lost session is reopened once.
 * - A wrong PIN is never retried, since HSMs lock the token after a few failures: the store stays
 *   failed with KmsPermissionDenied until the process restarts with the right PIN.
 * - The login belongs to the process, not to the store: a second store on the same token in the
 *   same process rides on the first one's login, whatever PIN it was given.
 */
import { createHash, randomBytes } from 'node:crypto';

import type { PrivateKey, PublicKey, Session, SessionObject, Slot } from 'graphene-pk11';
import type { Logger } from 'pino';

import type { HashAlgorithm, KeyAlgorithm, RevocationReason, SignatureScheme } from '@pki/shared';
import { REVOCATION_REASON_CODES } from '@pki/shared';

import type { KmsError } from '../../kmip/errors.js';
import { KmsInvalidRequest, KmsNotFound, KmsUnavailable } from '../../kmip/errors.js';
import type {
  GenerateKeyPairRequest,
  GenerateKeyPairResult,
  KeyDescription,
  KeyReference,
  KeyStore,
  KeyStoreCapabilities,
  KeyStoreHealth,
  RevokeKeyRequest,
  SignRequest,
  SignResult,
} from '../../key-store.js';
import { curveForAlgorithm, curveForParams, ecdsaRawToDer, ecSpki, rsaSpki } from './key-encoding.js';
import { hasReturnValue, isSessionLost, returnValueName, toKmsError } from './pkcs11-errors.js';
import { acquireModule, type Graphene, type ModuleLease } from './pkcs11-module.js';
import { SessionPool, SessionPoolClosedError } from './session-pool.js';

export interface Pkcs11KeyStoreOptions {
  modulePath: string;
  tokenLabel: string;
  /** The token's user PIN. Kept in memory for re-login after a lost session; never logged. */
  pin: string;
  /** Label prefix of our keys, e.g. "pki-manager"; a "/" is appended when missing. */
  namespace: string;
  /** Sessions that may run operations in parallel; default 4. */
  maxSessions?: number;
}

const RSA_BITS: Partial<Record<KeyAlgorithm, number>> = { 'rsa-2048': 2048, 'rsa-3072': 3072, 'rsa-4096': 4096 };
const ALGORITHMS: readonly KeyAlgorithm[] = ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256', 'ec-p384'];
const SCHEMES: readonly SignatureScheme[] = ['rsa-pkcs1-v1_5', 'rsa-pss', 'ecdsa'];
const RSA_PUBLIC_EXPONENT = Buffer.from([0x01, 0x00, 0x01]);
const ID_BYTES = 16;
// Read by number: graphene names CKA_EC_PARAMS twice (paramsEC, paramsECDSA) and returns it under one only.
const CKA_EC_PARAMS = 0x180;
const CKA_EC_POINT = 0x181;
const REFERENCE_PATTERN = /^[0-9a-f]{32}$/;
const REVOKED_MARK = '#revoked:';
const COMPROMISE_REASONS = new Set<RevocationReason>(['keyCompromise', 'cACompromise', 'aACompromise']);

const HASHES: Record<HashAlgorithm, { node: string; token: 'SHA256' | 'SHA384' | 'SHA512'; bytes: number }> = {
  'sha-256': { node: 'sha256', token: 'SHA256', bytes: 32 },
  'sha-384': { node: 'sha384', token: 'SHA384', bytes: 48 },
  'sha-512': { node: 'sha512', token: 'SHA512', bytes: 64 },
};

interface Connection {
  lease: ModuleLease;
  pool: SessionPool<Session>;
}

interface SigningKey {
  handle: Buffer;
  family: 'rsa' | 'ec';
}

/** What a key's CKA_LABEL says: our label, and the revocation recorded on it if any. */
interface ParsedLabel {
  label: string;
  revocationReason: RevocationReason | undefined;
}

export class Pkcs11KeyStore implements KeyStore {
  readonly backend = 'pkcs11' as const;
  readonly namespace: string;

  private readonly log: Logger;
  private connecting: Promise<Connection> | undefined;
  private loginFailure: KmsError | undefined;
  private isClosed = false;
  /** Private keys by reference: a lookup (C_FindObjects) is not paid per signature. */
  private readonly signingKeys = new Map<KeyReference, SigningKey>();

  constructor(
    private readonly options: Pkcs11KeyStoreOptions,
    log: Logger,
  ) {
    this.namespace = options.namespace.endsWith('/') ? options.namespace : `${options.namespace}/`;
    this.log = log.child({ driver: 'pkcs11' });
  }

  capabilities(): KeyStoreCapabilities {
    return {
      algorithms: ALGORITHMS,
      signatureSchemes: SCHEMES,
      canExportPrivateKey: false,
      // The public object has no lifecycle to revoke; destroy removes both objects.
      doesCascadeToPublicKey: true,
    };
  }

  async generateKeyPair(request: GenerateKeyPairRequest): Promise<GenerateKeyPairResult> {
    const operation = 'generateKeyPair';
    if (request.isExportable) {
      throw new KmsInvalidRequest(
        'pkcs11: private keys never leave the token; generate with isExportable=false (capabilities().canExportPrivateKey is false)',
        { operation },
      );
    }
    if (request.label === '' || request.label.includes(REVOKED_MARK)) {
      throw new KmsInvalidRequest(`pkcs11: label "${request.label}" is empty or contains "${REVOKED_MARK}"`, {
        operation,
      });
    }
    const tokenLabel = this.namespace + request.label;
    const rsaBits = RSA_BITS[request.algorithm];
    const curve = curveForAlgorithm(request.algorithm);
    if (rsaBits === undefined && curve === undefined) {
      throw new KmsInvalidRequest(`pkcs11: algorithm ${request.algorithm} is not supported`, { operation });
    }

    return this.withSession(
      operation,
      `generate ${request.algorithm} key "${tokenLabel}"`,
      async (session, graphene) => {
        const existing = session.find({ class: graphene.ObjectClass.PRIVATE_KEY, token: true, label: tokenLabel });
        if (existing.length > 0) {
          throw new KmsInvalidRequest(`pkcs11: a key labelled "${tokenLabel}" already exists on the token`, {
            operation,
          });
        }
        const id = randomBytes(ID_BYTES);
        const common = { token: true, label: tokenLabel, id };
        const publicTemplate = {
          ...common,
          class: graphene.ObjectClass.PUBLIC_KEY,
          private: false,
          verify: true,
          encrypt: false,
          wrap: false,
          ...(rsaBits === undefined
            ? { keyType: graphene.KeyType.EC, paramsEC: curve?.ecParams }
            : { keyType: graphene.KeyType.RSA, modulusBits: rsaBits, publicExponent: RSA_PUBLIC_EXPONENT }),
        };
        const privateTemplate = {
          ...common,
          class: graphene.ObjectClass.PRIVATE_KEY,
          keyType: rsaBits === undefined ? graphene.KeyType.EC : graphene.KeyType.RSA,
          private: true,
          sensitive: true,
          extractable: false,
          sign: true,
          decrypt: false,
          unwrap: false,
          derive: false,
        };
        const mechanism = rsaBits === undefined ? graphene.KeyGenMechanism.EC : graphene.KeyGenMechanism.RSA;
        // Async: an RSA-4096 key takes seconds and must not block the event loop.
        const keys = await new Promise<{ privateKey: PrivateKey; publicKey: PublicKey }>((resolve, reject) => {
          session.generateKeyPair(mechanism, publicTemplate, privateTemplate, (error, pair) => {
            if (error) reject(error);
            else if (pair === null) reject(new Error('C_GenerateKeyPair returned no keys'));
            else resolve(pair);
          });
        });
        try {
          const publicKeySpki = readSpki(graphene, keys.publicKey);
          const reference = id.toString('hex');
          this.signingKeys.set(reference, {
            handle: keys.privateKey.handle,
            family: rsaBits === undefined ? 'ec' : 'rsa',
          });
          this.log.info(
            { keyRef: reference, algorithm: request.algorithm, label: tokenLabel },
            'pkcs11 key pair generated',
          );
          return { privateKeyRef: reference, publicKeyRef: reference, publicKeySpki };
        } catch (error) {
          // A pair we cannot describe is useless and would be found by reconciliation as an orphan.
          destroyQuietly(keys.privateKey);
          destroyQuietly(keys.publicKey);
          throw error;
        }
      },
    );
  }

  async getPublicKey(privateKeyRef: KeyReference): Promise<Uint8Array> {
    const id = this.parseReference(privateKeyRef, 'getPublicKey');
    return this.withSession('getPublicKey', `read public key ${privateKeyRef}`, (session, graphene) => {
      const publicKey = this.findKey(session, graphene, id, 'public');
      if (publicKey === undefined) throw notFound(privateKeyRef, 'getPublicKey');
      return Promise.resolve(readSpki(graphene, publicKey.toType<PublicKey>()));
    });
  }

  async sign(request: SignRequest): Promise<SignResult> {
    const operation = 'sign';
    const reference = request.privateKeyRef;
    const id = this.parseReference(reference, operation);
    const hash = HASHES[request.hash];
    const context = `sign with key ${reference} (${request.scheme}, ${request.hash})`;

    return this.withSession(operation, context, async (session, graphene) => {
      const mechanism = signingMechanism(graphene, request.scheme, hash);
      const input =
        request.scheme === 'ecdsa'
          ? createHash(hash.node).update(request.data).digest()
          : Buffer.from(request.data.buffer, request.data.byteOffset, request.data.byteLength);

      const signWith = (signingKey: SigningKey): Promise<Buffer> => {
        // SoftHSM answers CKR_GENERAL_ERROR to CKM_ECDSA with an RSA key: check the fit ourselves.
        if ((request.scheme === 'ecdsa') !== (signingKey.family === 'ec')) {
          throw new KmsInvalidRequest(
            `pkcs11: scheme ${request.scheme} does not fit key ${reference}, an ${signingKey.family.toUpperCase()} key`,
            { operation },
          );
        }
        const key = new graphene.PrivateKey(signingKey.handle, session, session.lib);
        const signer = session.createSign(mechanism, key);
        // ECDSA takes tens of microseconds, less than a hop to the libuv pool costs: sign inline.
        // RSA takes milliseconds: run it on a worker thread so the event loop keeps serving and
        // several sessions sign in parallel.
        if (signingKey.family === 'ec') return Promise.resolve(signer.once(input));
        return new Promise<Buffer>((resolve, reject) => {
          signer.once(input, (error, signature) => {
            if (error) reject(error);
            else resolve(signature);
          });
        });
      };

      let signature: Buffer;
      const cached = this.signingKeys.get(reference);
      try {
        signature = await signWith(cached ?? this.resolveSigningKey(session, graphene, id, reference));
      } catch (error) {
        if (cached !== undefined && hasReturnValue(error, 'CKR_OBJECT_HANDLE_INVALID')) {
          // Destroyed elsewhere or the module was re-initialized: look the id up again.
          this.signingKeys.delete(reference);
          signature = await signWith(this.resolveSigningKey(session, graphene, id, reference));
        } else if (hasReturnValue(error, 'CKR_KEY_FUNCTION_NOT_PERMITTED')) {
          throw revokedError(reference, error);
        } else {
          throw error;
        }
      }
      return { signature: request.scheme === 'ecdsa' ? ecdsaRawToDer(signature) : new Uint8Array(signature) };
    });
  }

  async revoke(request: RevokeKeyRequest): Promise<void> {
    const operation = 'revoke';
    const reference = request.privateKeyRef;
    const id = this.parseReference(reference, operation);
    await this.withSession(operation, `revoke key ${reference}`, (session, graphene) => {
      const privateKey = this.findKey(session, graphene, id, 'private');
      if (privateKey === undefined) throw notFound(reference, operation);
      const current = this.parseLabel(readLabel(privateKey));
      // Compromise is the stronger statement: a later, milder reason must not hide it.
      const reason =
        current.revocationReason !== undefined && COMPROMISE_REASONS.has(current.revocationReason)
          ? current.revocationReason
          : request.reason;
      const markedLabel = `${this.namespace}${current.label}${REVOKED_MARK}${reason}`;
      try {
        privateKey.setAttribute({ sign: false, label: markedLabel });
      } catch (error) {
        if (!hasReturnValue(error, 'CKR_ATTRIBUTE_READ_ONLY')) throw error;
        this.log.warn(
          { keyRef: reference },
          'pkcs11 token keeps CKA_SIGN read-only: revocation is recorded in the label and enforced by this driver only',
        );
        privateKey.setAttribute({ label: markedLabel });
      }
      this.signingKeys.delete(reference);
      this.log.info({ keyRef: reference, reason, message: request.message }, 'pkcs11 key revoked');
      return Promise.resolve();
    });
  }

  async destroy(privateKeyRef: KeyReference): Promise<void> {
    const operation = 'destroy';
    const id = this.parseReference(privateKeyRef, operation);
    await this.withSession(operation, `destroy key ${privateKeyRef}`, (session, graphene) => {
      const privateKey = this.findKey(session, graphene, id, 'private');
      const publicKey = this.findKey(session, graphene, id, 'public');
      if (privateKey === undefined && publicKey === undefined) throw notFound(privateKeyRef, operation);
      this.signingKeys.delete(privateKeyRef);
      privateKey?.destroy();
      publicKey?.destroy();
      this.log.info({ keyRef: privateKeyRef }, 'pkcs11 key pair destroyed');
      return Promise.resolve();
    });
  }

  async describe(privateKeyRef: KeyReference): Promise<KeyDescription> {
    const id = this.parseReference(privateKeyRef, 'describe');
    return this.withSession('describe', `describe key ${privateKeyRef}`, (session, graphene) => {
      const privateKey = this.findKey(session, graphene, id, 'private');
      if (privateKey === undefined) throw notFound(privateKeyRef, 'describe');
      return Promise.resolve(this.describeKey(session, graphene, privateKey));
    });
  }

  async list(): Promise<KeyDescription[]> {
    return this.withSession('list', 'list keys', (session, graphene) => {
      const found = session.find({ class: graphene.ObjectClass.PRIVATE_KEY, token: true });
      const descriptions: KeyDescription[] = [];
      for (let index = 0; index < found.length; index += 1) {
        const privateKey = found.items(index);
        if (!readLabel(privateKey).startsWith(this.namespace)) continue;
        descriptions.push(this.describeKey(session, graphene, privateKey));
      }
      return Promise.resolve(descriptions);
    });
  }

  async health(): Promise<KeyStoreHealth> {
    try {
      return await this.withSession<KeyStoreHealth>('health', 'health check', (session) => {
        const info = session.lib.C_GetSessionInfo(session.handle);
        const isLoggedIn = info.state === 3 || info.state === 1; // CKS_RW_USER_FUNCTIONS, CKS_RO_USER_FUNCTIONS
        const token = session.slot.getToken();
        const serverVersion = `${token.manufacturerID.trim()} ${token.model.trim()} ${token.firmwareVersion.major}.${token.firmwareVersion.minor}`;
        if (!isLoggedIn) {
          return Promise.resolve({ isHealthy: false, detail: 'PKCS#11 session is not logged in', serverVersion });
        }
        return Promise.resolve({ isHealthy: true, serverVersion });
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { isHealthy: false, detail };
    }
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.signingKeys.clear();
    const connecting = this.connecting;
    this.connecting = undefined;
    if (connecting === undefined) return;
    try {
      const connection = await connecting;
      // No C_Logout: the login is shared with every other store of this process on the token;
      // it ends by itself when the last session of the process closes.
      connection.pool.close();
      connection.lease.release();
    } catch {
      // Never connected: nothing to release.
    }
  }

  private async withSession<T>(
    operation: string,
    context: string,
    work: (session: Session, graphene: Graphene) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      let connection: Connection | undefined;
      try {
        connection = await this.connection();
        const { graphene } = connection.lease;
        return await connection.pool.use((session) => work(session, graphene), isSessionBroken);
      } catch (error) {
        if (attempt === 1 && isSessionBroken(error)) {
          connection?.pool.dropIdle();
          this.log.warn({ operation, reason: returnValueName(error) }, 'pkcs11 session lost, retrying on a new one');
          continue;
        }
        if (error instanceof SessionPoolClosedError) throw closedError(operation);
        throw toKmsError(error, operation, context);
      }
    }
  }

  private connection(): Promise<Connection> {
    if (this.isClosed) return Promise.reject(closedError('connect'));
    if (this.loginFailure !== undefined) return Promise.reject(this.loginFailure);
    this.connecting ??= this.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private async connect(): Promise<Connection> {
    const lease = await acquireModule(this.options.modulePath);
    try {
      const slot = findSlotByTokenLabel(lease, this.options.tokenLabel);
      const pool = new SessionPool(() => this.openLoggedInSession(lease.graphene, slot), this.options.maxSessions ?? 4);
      // Log in now, so a wrong PIN surfaces at the first call rather than some later one.
      await pool.use(() => Promise.resolve(), isSessionBroken);
      if (this.isClosed) {
        pool.close();
        lease.release();
        throw closedError('connect');
      }
      this.log.debug({ tokenLabel: this.options.tokenLabel }, 'pkcs11 token session ready');
      return { lease, pool };
    } catch (error) {
      lease.release();
      throw error;
    }
  }

  private openLoggedInSession(graphene: Graphene, slot: Slot): Session {
    if (this.loginFailure !== undefined) throw this.loginFailure;
    let session: Session;
    try {
      session = slot.open(graphene.SessionFlag.RW_SESSION | graphene.SessionFlag.SERIAL_SESSION);
    } catch (error) {
      throw toKmsError(error, 'connect', `open a session on token "${this.options.tokenLabel}"`);
    }
    try {
      session.login(this.options.pin, graphene.UserType.USER);
    } catch (error) {
      if (hasReturnValue(error, 'CKR_USER_ALREADY_LOGGED_IN')) return session;
      try {
        session.close();
      } catch {
        // The session is useless either way.
      }
      const reason = returnValueName(error);
      const failure = toKmsError(
        error,
        'login',
        `login to token "${this.options.tokenLabel}" (check PKI_PKCS11_PIN or PKI_PKCS11_PIN_FILE)`,
      );
      if (reason === 'CKR_PIN_INCORRECT' || reason === 'CKR_PIN_LOCKED' || reason === 'CKR_PIN_EXPIRED') {
        this.loginFailure = failure;
        this.log.error({ tokenLabel: this.options.tokenLabel, reason }, 'pkcs11 login refused; no further attempts');
      }
      throw failure;
    }
    return session;
  }

  private parseReference(reference: KeyReference, operation: string): Buffer {
    if (!REFERENCE_PATTERN.test(reference)) {
      // A malformed reference can name no key of ours.
      throw notFound(reference, operation);
    }
    return Buffer.from(reference, 'hex');
  }

  /** Our key of that class with that CKA_ID; keys outside our namespace do not exist for us. */
  private findKey(
    session: Session,
    graphene: Graphene,
    id: Buffer,
    kind: 'private' | 'public',
  ): SessionObject | undefined {
    const objectClass = kind === 'private' ? graphene.ObjectClass.PRIVATE_KEY : graphene.ObjectClass.PUBLIC_KEY;
    const found = session.find({ class: objectClass, token: true, id });
    for (let index = 0; index < found.length; index += 1) {
      const object = found.items(index);
      if (readLabel(object).startsWith(this.namespace)) return object;
    }
    return undefined;
  }

  private resolveSigningKey(session: Session, graphene: Graphene, id: Buffer, reference: KeyReference): SigningKey {
    const privateKey = this.findKey(session, graphene, id, 'private');
    if (privateKey === undefined) throw notFound(reference, 'sign');
    const { label, keyType } = privateKey.getAttribute({ label: null, keyType: null });
    if (this.parseLabel(label as string).revocationReason !== undefined) {
      throw revokedError(reference, undefined);
    }
    const signingKey: SigningKey = {
      handle: privateKey.handle,
      family: keyType === graphene.KeyType.EC ? 'ec' : 'rsa',
    };
    this.signingKeys.set(reference, signingKey);
    return signingKey;
  }

  private parseLabel(tokenLabel: string): ParsedLabel {
    const withoutNamespace = tokenLabel.slice(this.namespace.length);
    const markAt = withoutNamespace.lastIndexOf(REVOKED_MARK);
    if (markAt < 0) return { label: withoutNamespace, revocationReason: undefined };
    const reason = withoutNamespace.slice(markAt + REVOKED_MARK.length);
    return {
      label: withoutNamespace.slice(0, markAt),
      // A mark written by hand with an unknown reason still means revoked.
      revocationReason: reason in REVOCATION_REASON_CODES ? (reason as RevocationReason) : 'unspecified',
    };
  }

  private describeKey(session: Session, graphene: Graphene, privateKey: SessionObject): KeyDescription {
    const attributes = privateKey.getAttribute({ id: null, label: null, sign: null, extractable: null, keyType: null });
    const reference = (attributes.id as Buffer).toString('hex');
    const parsed = this.parseLabel(attributes.label as string);
    const publicKey = this.findKey(session, graphene, attributes.id as Buffer, 'public');
    let state: KeyDescription['state'] = 'active';
    if (parsed.revocationReason !== undefined) {
      state = COMPROMISE_REASONS.has(parsed.revocationReason) ? 'compromised' : 'deactivated';
    } else if (attributes.sign === false) {
      state = 'deactivated';
    }
    return {
      privateKeyRef: reference,
      publicKeyRef: publicKey === undefined ? undefined : reference,
      label: parsed.label,
      algorithm: readAlgorithm(graphene, privateKey, attributes.keyType as number),
      state,
      isExportable: attributes.extractable === true,
      // PKCS#11 records no creation time (CKA_START_DATE is the application's, and optional).
      createdAt: undefined,
    };
  }
}

function isSessionBroken(error: unknown): boolean {
  return isSessionLost(error) || hasReturnValue(error, 'CKR_USER_NOT_LOGGED_IN');
}

function findSlotByTokenLabel(lease: ModuleLease, tokenLabel: string): Slot {
  const slots = lease.module.getSlots(true);
  const labels: string[] = [];
  for (let index = 0; index < slots.length; index += 1) {
    const slot = slots.items(index);
    const token = slot.getToken();
    // CK_TOKEN_INFO.label is blank-padded to 32 bytes.
    const label = token.label.trim();
    if (label === tokenLabel && (token.flags & lease.graphene.TokenFlag.TOKEN_INITIALIZED) !== 0) return slot;
    if (label !== '') labels.push(label);
  }
  throw new KmsUnavailable(
    `pkcs11: no initialized token labelled "${tokenLabel}" (PKI_PKCS11_TOKEN_LABEL); tokens present: ${labels.length === 0 ? 'none' : labels.map((label) => `"${label}"`).join(', ')}`,
    { serverReason: 'CKR_TOKEN_NOT_PRESENT', operation: 'connect' },
  );
}

function signingMechanism(
  graphene: Graphene,
  scheme: SignatureScheme,
  hash: (typeof HASHES)[HashAlgorithm],
): string | { name: string; params: InstanceType<Graphene['RsaPssParams']> } {
  switch (scheme) {
    case 'rsa-pkcs1-v1_5':
      return `${hash.token}_RSA_PKCS`;
    case 'rsa-pss':
      return {
        name: `${hash.token}_RSA_PKCS_PSS`,
        // RFC 8017 §9.1 / RFC 4055: MGF1 with the same hash and a salt as long as the hash.
        params: new graphene.RsaPssParams(
          graphene.MechanismEnum[hash.token],
          graphene.RsaMgf[`MGF1_${hash.token}`],
          hash.bytes,
        ),
      };
    case 'ecdsa':
      return 'ECDSA';
  }
}

function readSpki(graphene: Graphene, publicKey: PublicKey | SessionObject): Uint8Array {
  const keyType = publicKey.getAttribute({ keyType: null }).keyType as number;
  if (keyType === graphene.KeyType.RSA) {
    const { modulus, publicExponent } = publicKey.getAttribute({ modulus: null, publicExponent: null });
    return rsaSpki(modulus as Buffer, publicExponent as Buffer);
  }
  if (keyType === graphene.KeyType.EC) {
    const paramsEC = publicKey.getAttribute(CKA_EC_PARAMS);
    const curve = curveForParams(paramsEC);
    if (curve === undefined) {
      throw new KmsInvalidRequest(`pkcs11: EC key on an unsupported curve (${paramsEC.toString('hex')})`);
    }
    return ecSpki(curve, publicKey.getAttribute(CKA_EC_POINT));
  }
  throw new KmsInvalidRequest(`pkcs11: key type ${keyType} is neither RSA nor EC`);
}

function readAlgorithm(graphene: Graphene, privateKey: SessionObject, keyType: number): KeyAlgorithm | undefined {
  if (keyType === graphene.KeyType.RSA) {
    const modulus = privateKey.getAttribute({ modulus: null }).modulus as Buffer;
    const bits = modulus.length * 8;
    return ALGORITHMS.find((algorithm) => RSA_BITS[algorithm] === bits);
  }
  if (keyType === graphene.KeyType.EC) {
    return curveForParams(privateKey.getAttribute(CKA_EC_PARAMS))?.algorithm;
  }
  return undefined;
}

function readLabel(object: SessionObject): string {
  return (object.getAttribute({ label: null }).label as string | undefined) ?? '';
}

function destroyQuietly(object: SessionObject): void {
  try {
    object.destroy();
  } catch {
    // Best effort: the original error is the one worth reporting.
  }
}

function notFound(reference: KeyReference, operation: string): KmsNotFound {
  return new KmsNotFound(`pkcs11: no key ${reference} in this namespace on the token`, { operation });
}

function revokedError(reference: KeyReference, cause: unknown): KmsInvalidRequest {
  return new KmsInvalidRequest(
    `pkcs11: key ${reference} is revoked and may no longer sign`,
    { operation: 'sign', serverReason: returnValueName(cause) ?? 'REVOKED' },
    { cause },
  );
}

function closedError(operation: string): KmsUnavailable {
  return new KmsUnavailable('pkcs11: the key store is closed', { operation });
}

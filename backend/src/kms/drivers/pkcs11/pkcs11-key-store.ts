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
 * - Sessions and login (`token-sessions.ts`): one C_Initialize per process and library (shared
 *   by all stores), a small pool of logged-in sessions, each used by one operation at a time. A
 *   lost session is reopened once; a wrong PIN is never retried.
 */
import { createHash, randomBytes } from 'node:crypto';

import type { PrivateKey, PublicKey, Session, SessionObject } from 'graphene-pk11';
import type { Logger } from 'pino';

import type { SignatureScheme } from '@pki/shared';

import { KmsInvalidRequest, KmsNotFound } from '../../kmip/errors.js';
import { stateAfterRevocation } from '../../key-store.js';
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
import { curveForAlgorithm, ecdsaRawToDer } from './key-encoding.js';
import { hasReturnValue, returnValueName } from './pkcs11-errors.js';
import type { Graphene } from './pkcs11-module.js';
import { SIGN_HASHES, signingMechanism } from './sign-mechanisms.js';
import {
  ALGORITHMS,
  destroyQuietly,
  keyPairTemplates,
  parseLabel,
  readAlgorithm,
  readLabel,
  readSpki,
  REVOKED_MARK,
  RSA_BITS,
} from './token-objects.js';
import type { KeyPairShape } from './token-objects.js';
import { TokenSessions } from './token-sessions.js';
import type { TokenSessionsOptions } from './token-sessions.js';

export interface Pkcs11KeyStoreOptions extends TokenSessionsOptions {
  /** Label prefix of our keys, e.g. "pki-manager"; a "/" is appended when missing. */
  namespace: string;
}

const SCHEMES: readonly SignatureScheme[] = ['rsa-pkcs1-v1_5', 'rsa-pss', 'ecdsa'];
const ID_BYTES = 16;
const REFERENCE_PATTERN = /^[0-9a-f]{32}$/;

interface SigningKey {
  handle: Buffer;
  family: 'rsa' | 'ec';
}

export class Pkcs11KeyStore implements KeyStore {
  readonly backend = 'pkcs11' as const;
  readonly namespace: string;

  private readonly log: Logger;
  private readonly sessions: TokenSessions;
  /** Private keys by reference: a lookup (C_FindObjects) is not paid per signature. */
  private readonly signingKeys = new Map<KeyReference, SigningKey>();

  constructor(options: Pkcs11KeyStoreOptions, log: Logger) {
    this.namespace = options.namespace.endsWith('/') ? options.namespace : `${options.namespace}/`;
    this.log = log.child({ driver: 'pkcs11' });
    this.sessions = new TokenSessions(options, this.log);
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
    const shape: KeyPairShape | undefined =
      rsaBits !== undefined ? { rsaBits } : curve !== undefined ? { ecParams: curve.ecParams } : undefined;
    if (shape === undefined) {
      throw new KmsInvalidRequest(`pkcs11: algorithm ${request.algorithm} is not supported`, { operation });
    }

    return this.sessions.use(
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
        const { mechanism, publicTemplate, privateTemplate } = keyPairTemplates(graphene, id, tokenLabel, shape);
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
    return this.sessions.use('getPublicKey', `read public key ${privateKeyRef}`, (session, graphene) => {
      const publicKey = this.findKey(session, graphene, id, 'public');
      if (publicKey === undefined) throw notFound(privateKeyRef, 'getPublicKey');
      return Promise.resolve(readSpki(graphene, publicKey.toType<PublicKey>()));
    });
  }

  async sign(request: SignRequest): Promise<SignResult> {
    const operation = 'sign';
    const reference = request.privateKeyRef;
    const id = this.parseReference(reference, operation);
    const hash = SIGN_HASHES[request.hash];
    const context = `sign with key ${reference} (${request.scheme}, ${request.hash})`;

    return this.sessions.use(operation, context, async (session, graphene) => {
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
    await this.sessions.use(operation, `revoke key ${reference}`, (session, graphene) => {
      const privateKey = this.findKey(session, graphene, id, 'private');
      if (privateKey === undefined) throw notFound(reference, operation);
      const current = parseLabel(this.namespace, readLabel(privateKey));
      // Compromise is the stronger statement: a later, milder reason must not hide it.
      const reason =
        current.revocationReason !== undefined &&
        stateAfterRevocation(current.revocationReason, 'active') === 'compromised'
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
    await this.sessions.use(operation, `destroy key ${privateKeyRef}`, (session, graphene) => {
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
    return this.sessions.use('describe', `describe key ${privateKeyRef}`, (session, graphene) => {
      const privateKey = this.findKey(session, graphene, id, 'private');
      if (privateKey === undefined) throw notFound(privateKeyRef, 'describe');
      return Promise.resolve(this.describeKey(session, graphene, privateKey));
    });
  }

  async list(): Promise<KeyDescription[]> {
    return this.sessions.use('list', 'list keys', (session, graphene) => {
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
      return await this.sessions.use<KeyStoreHealth>('health', 'health check', (session) => {
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
    this.signingKeys.clear();
    await this.sessions.close();
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
    if (parseLabel(this.namespace, label as string).revocationReason !== undefined) {
      throw revokedError(reference, undefined);
    }
    const signingKey: SigningKey = {
      handle: privateKey.handle,
      family: keyType === graphene.KeyType.EC ? 'ec' : 'rsa',
    };
    this.signingKeys.set(reference, signingKey);
    return signingKey;
  }

  private describeKey(session: Session, graphene: Graphene, privateKey: SessionObject): KeyDescription {
    const attributes = privateKey.getAttribute({
      id: null,
      label: null,
      sign: null,
      extractable: null,
      keyType: null,
      sensitive: null,
      neverExtractable: null,
    });
    const reference = (attributes.id as Buffer).toString('hex');
    const parsed = parseLabel(this.namespace, attributes.label as string);
    const publicKey = this.findKey(session, graphene, attributes.id as Buffer, 'public');
    let state: KeyDescription['state'] = 'active';
    if (parsed.revocationReason !== undefined) {
      state = stateAfterRevocation(parsed.revocationReason, 'active');
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
      protection: {
        isSensitive: booleanAttribute(attributes.sensitive),
        isNeverExtractable: booleanAttribute(attributes.neverExtractable),
        isExtractable: booleanAttribute(attributes.extractable),
      },
    };
  }
}

/** A CK_BBOOL as graphene reads it; anything else is a token that did not say. */
function booleanAttribute(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
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

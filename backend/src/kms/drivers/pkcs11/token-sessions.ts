/**
 * Logged-in sessions on one PKCS#11 token, for the `pkcs11` key store: the module lease, the
 * slot found by token label, the login, and a SessionPool of sessions each used by one
 * operation at a time.
 *
 * - The module is loaded and the token logged in on first use, not at construction, so a
 *   store can be built (and report itself unhealthy) while the token is absent.
 * - A lost session (device reset, C_CloseAllSessions, logged out under us) is dropped with
 *   the idle ones and the operation runs once more on a new session.
 * - A wrong PIN is never retried, since HSMs lock the token after a few failures: the store
 *   stays failed with KmsPermissionDenied until the process restarts with the right PIN.
 * - The login belongs to the process, not to the store: a second store on the same token in
 *   the same process rides on the first one's login, whatever PIN it was given. So closing
 *   never logs out; the login ends when the last session of the process closes.
 */
import type { Session, Slot } from 'graphene-pk11';
import type { Logger } from 'pino';

import type { KmsError } from '../../kmip/errors.js';
import { KmsUnavailable } from '../../kmip/errors.js';
import { hasReturnValue, isSessionLost, returnValueName, toKmsError } from './pkcs11-errors.js';
import { acquireModule, type Graphene, type ModuleLease } from './pkcs11-module.js';
import { SessionPool, SessionPoolClosedError } from './session-pool.js';

export interface TokenSessionsOptions {
  modulePath: string;
  tokenLabel: string;
  /** The token's user PIN. Kept in memory for re-login after a lost session; never logged. */
  pin: string;
  /** Sessions that may run operations in parallel; default 4. */
  maxSessions?: number;
}

interface Connection {
  lease: ModuleLease;
  pool: SessionPool<Session>;
}

export class TokenSessions {
  private connecting: Promise<Connection> | undefined;
  private loginFailure: KmsError | undefined;
  private isClosed = false;

  constructor(
    private readonly options: TokenSessionsOptions,
    private readonly log: Logger,
  ) {}

  /**
   * Runs `work` on a logged-in session of its own. Errors come out as KMS errors, with
   * `context` saying what was being done (e.g. "sign with key …").
   */
  async use<T>(
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

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    const connecting = this.connecting;
    this.connecting = undefined;
    if (connecting === undefined) return;
    try {
      const connection = await connecting;
      connection.pool.close();
      connection.lease.release();
    } catch {
      // Never connected: nothing to release.
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

function closedError(operation: string): KmsUnavailable {
  return new KmsUnavailable('pkcs11: the key store is closed', { operation });
}

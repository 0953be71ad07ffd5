/**
 * A small pool of PKCS#11 sessions. A session runs one operation at a time (C_SignInit then
 * C_Sign must not interleave with another call on the same session), so each borrower gets a
 * session to itself; several sessions let signatures run in parallel on libuv worker threads.
 * The login state belongs to the application, not the session, so one C_Login covers all.
 */

export interface PooledSession {
  close(): void;
}

type Grant<S> = { session: S } | { mayOpen: true } | { isClosed: true };

export class SessionPool<S extends PooledSession> {
  private readonly idle: S[] = [];
  private readonly waiters: Array<(grant: Grant<S>) => void> = [];
  private openCount = 0;
  private isClosed = false;

  constructor(
    private readonly openSession: () => S,
    private readonly maxSessions: number,
  ) {
    if (!Number.isInteger(maxSessions) || maxSessions < 1) {
      throw new RangeError(`maxSessions must be a positive integer, got ${maxSessions}`);
    }
  }

  /**
   * Runs `work` with a session of its own. When `work` throws an error for which `isBroken`
   * holds, the session is closed and dropped instead of going back to the pool.
   */
  async use<T>(work: (session: S) => Promise<T>, isBroken: (error: unknown) => boolean): Promise<T> {
    const session = await this.acquire();
    let isHealthy = true;
    try {
      return await work(session);
    } catch (error) {
      if (isBroken(error)) isHealthy = false;
      throw error;
    } finally {
      if (isHealthy) this.release(session);
      else this.discard(session);
    }
  }

  /** Closes every idle session now; sessions in use close when they come back. */
  close(): void {
    this.isClosed = true;
    for (const session of this.idle.splice(0)) this.closeQuietly(session);
    for (const waiter of this.waiters.splice(0)) waiter({ isClosed: true });
  }

  /**
   * Closes the idle sessions. Called when one session turned out lost: the others were most
   * likely lost with it (C_CloseAllSessions, device reset), and each would cost a failed call.
   */
  dropIdle(): void {
    for (const session of this.idle.splice(0)) {
      this.openCount -= 1;
      this.closeQuietly(session);
    }
  }

  /** Open sessions, idle or in use. */
  get size(): number {
    return this.openCount;
  }

  private async acquire(): Promise<S> {
    if (this.isClosed) throw new SessionPoolClosedError();
    const idle = this.idle.pop();
    if (idle !== undefined) return idle;
    if (this.openCount < this.maxSessions) {
      this.openCount += 1;
      return this.openCounted();
    }
    const grant = await new Promise<Grant<S>>((resolve) => this.waiters.push(resolve));
    if ('session' in grant) return grant.session;
    if ('mayOpen' in grant) return this.openCounted();
    throw new SessionPoolClosedError();
  }

  /** Opens a session whose slot in `openCount` is already reserved; frees the slot on failure. */
  private openCounted(): S {
    try {
      return this.openSession();
    } catch (error) {
      this.openCount -= 1;
      this.grantNextWaiterAnOpening();
      throw error;
    }
  }

  private release(session: S): void {
    if (this.isClosed) {
      this.openCount -= 1;
      this.closeQuietly(session);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter({ session });
    else this.idle.push(session);
  }

  private discard(session: S): void {
    this.openCount -= 1;
    this.closeQuietly(session);
    this.grantNextWaiterAnOpening();
  }

  private grantNextWaiterAnOpening(): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) return;
    if (this.isClosed) {
      waiter({ isClosed: true });
      return;
    }
    this.openCount += 1;
    waiter({ mayOpen: true });
  }

  private closeQuietly(session: S): void {
    try {
      session.close();
    } catch {
      // A session that is already gone (device removed, C_Finalize) has nothing to close.
    }
  }
}

export class SessionPoolClosedError extends Error {
  constructor() {
    super('the PKCS#11 session pool is closed');
    this.name = 'SessionPoolClosedError';
  }
}

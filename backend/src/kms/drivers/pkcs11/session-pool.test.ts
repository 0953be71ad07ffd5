import { describe, expect, it } from 'vitest';

import { SessionPool, SessionPoolClosedError } from './session-pool.js';

/** A stand-in session: the pool's own logic is what is under test, not any PKCS#11 library. */
class CountingSession {
  static opened = 0;
  readonly id = (CountingSession.opened += 1);
  isClosed = false;
  close(): void {
    this.isClosed = true;
  }
}

class LostSession extends Error {}
const isLost = (error: unknown) => error instanceof LostSession;

function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('SessionPool', () => {
  it('gives each borrower a session of its own and never opens more than the maximum', async () => {
    const pool = new SessionPool(() => new CountingSession(), 2);
    const inUse = new Set<number>();
    let maxInUse = 0;
    const gates = Array.from({ length: 6 }, deferred);
    const runs = gates.map((gate) =>
      pool.use(async (session) => {
        expect(inUse.has(session.id)).toBe(false);
        inUse.add(session.id);
        maxInUse = Math.max(maxInUse, inUse.size);
        await gate.promise;
        inUse.delete(session.id);
      }, isLost),
    );
    for (const gate of gates) {
      await Promise.resolve();
      gate.resolve();
    }
    await Promise.all(runs);
    expect(maxInUse).toBe(2);
    expect(pool.size).toBe(2);
  });

  it('drops a broken session and lets a waiter open a fresh one', async () => {
    const opened: CountingSession[] = [];
    const pool = new SessionPool(() => {
      const session = new CountingSession();
      opened.push(session);
      return session;
    }, 1);
    const gate = deferred();
    const failing = pool.use(async () => {
      await gate.promise;
      throw new LostSession('gone');
    }, isLost);
    const waiting = pool.use((session) => Promise.resolve(session.id), isLost);
    gate.resolve();
    await expect(failing).rejects.toBeInstanceOf(LostSession);
    const waiterSessionId = await waiting;
    expect(opened).toHaveLength(2);
    expect(opened[0]?.isClosed).toBe(true);
    expect(waiterSessionId).toBe(opened[1]?.id);
    expect(pool.size).toBe(1);
  });

  it('keeps a session after an ordinary error', async () => {
    const pool = new SessionPool(() => new CountingSession(), 1);
    await expect(pool.use(() => Promise.reject(new Error('bad request')), isLost)).rejects.toThrow('bad request');
    const first = await pool.use((session) => Promise.resolve(session), isLost);
    const second = await pool.use((session) => Promise.resolve(session), isLost);
    expect(second).toBe(first);
    expect(first.isClosed).toBe(false);
  });

  it('frees the slot when opening a session fails', async () => {
    let shouldFail = true;
    const pool = new SessionPool(() => {
      if (shouldFail) throw new Error('login refused');
      return new CountingSession();
    }, 1);
    await expect(pool.use(() => Promise.resolve(undefined), isLost)).rejects.toThrow('login refused');
    expect(pool.size).toBe(0);
    shouldFail = false;
    await expect(pool.use(() => Promise.resolve('ok'), isLost)).resolves.toBe('ok');
  });

  it('dropIdle closes idle sessions only', async () => {
    const pool = new SessionPool(() => new CountingSession(), 2);
    const gate = deferred();
    let busy: CountingSession | undefined;
    const running = pool.use(async (session) => {
      busy = session;
      await gate.promise;
    }, isLost);
    const idle = await pool.use((session) => Promise.resolve(session), isLost);
    expect(idle).not.toBe(busy);
    pool.dropIdle();
    expect(idle.isClosed).toBe(true);
    expect(busy?.isClosed).toBe(false);
    gate.resolve();
    await running;
    expect(pool.size).toBe(1);
  });

  it('after close, refuses new borrowers and wakes waiters with an error', async () => {
    const pool = new SessionPool(() => new CountingSession(), 1);
    const gate = deferred();
    let held: CountingSession | undefined;
    const holding = pool.use(async (session) => {
      held = session;
      await gate.promise;
    }, isLost);
    const waiting = pool.use(() => Promise.resolve(undefined), isLost);
    await Promise.resolve();
    pool.close();
    await expect(waiting).rejects.toBeInstanceOf(SessionPoolClosedError);
    gate.resolve();
    await holding;
    expect(held?.isClosed).toBe(true);
    await expect(pool.use(() => Promise.resolve(undefined), isLost)).rejects.toBeInstanceOf(SessionPoolClosedError);
  });
});

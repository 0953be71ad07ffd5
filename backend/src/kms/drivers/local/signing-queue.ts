/**
 * Where the `local` driver computes a signature: inline on the event loop, or on libuv's
 * thread pool (the callback form of `crypto.sign`). It decides from its own queue only.
 *
 * A signature with company (another one asked for in the same turn of the event loop, or
 * still on the pool) goes to the pool: another core computes it while the loop serves the
 * requests that asked for the others. A lone signature is computed inline, because the
 * hand-off to a pool thread and back costs CPU and only pays when another core can take the
 * work while the loop has something else to do.
 *
 * Company is only visible if requests can meet, so a signature first waits for the end of
 * the current turn (setImmediate): whoever asks in the meantime joins it. When a signature is
 * already on the pool, the next one joins it there at once. With one core there is no one to
 * hand the work to: every signature is computed inline, at once.
 */
import { sign } from 'node:crypto';
import type { SignKeyObjectInput, SignPrivateKeyInput } from 'node:crypto';

export type SigningKeyInput = SignKeyObjectInput | SignPrivateKeyInput;

interface Waiting {
  hash: string;
  data: Uint8Array;
  key: SigningKeyInput;
  resolve: (signature: Buffer) => void;
  reject: (error: unknown) => void;
}

export class SigningQueue {
  readonly #canUseThreadPool: boolean;
  /** Asked for in this turn of the event loop; placed when the turn ends. */
  #waiting: Waiting[] = [];
  /** Signatures on the thread pool that have not come back yet. */
  #onThreadPool = 0;

  /** @param availableCores the cores this process may use (`os.availableParallelism()`). */
  constructor(availableCores: number) {
    this.#canUseThreadPool = availableCores > 1;
  }

  sign(hash: string, data: Uint8Array, key: SigningKeyInput): Promise<Buffer> {
    if (!this.#canUseThreadPool) return signInline(hash, data, key);
    if (this.#onThreadPool > 0) return this.#signOnThreadPool(hash, data, key);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ hash, data, key, resolve, reject });
      if (this.#waiting.length === 1) setImmediate(() => this.#placeWaiting());
    });
  }

  #placeWaiting(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    const lone = waiting.length === 1 ? waiting[0] : undefined;
    if (lone !== undefined) {
      try {
        lone.resolve(sign(lone.hash, lone.data, lone.key));
      } catch (error) {
        lone.reject(error);
      }
      return;
    }
    for (const each of waiting) this.#signOnThreadPool(each.hash, each.data, each.key).then(each.resolve, each.reject);
  }

  #signOnThreadPool(hash: string, data: Uint8Array, key: SigningKeyInput): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      sign(hash, data, key, (error, signature) => {
        this.#onThreadPool -= 1;
        if (error) reject(error);
        else resolve(signature);
      });
      // Counted once the job is queued: an input crypto.sign refuses at once throws before.
      this.#onThreadPool += 1;
    });
  }
}

/** Async only so that a refusal from crypto.sign comes out as a rejection, like the pool's. */
async function signInline(hash: string, data: Uint8Array, key: SigningKeyInput): Promise<Buffer> {
  return sign(hash, data, key);
}

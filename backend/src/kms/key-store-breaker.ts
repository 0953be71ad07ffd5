/**
 * A circuit breaker around any KeyStore, composed once in create-key-store.ts, so that no
 * driver carries its own. The drivers keep their timeouts and retries (PKI_KMS_TIMEOUT_MS,
 * PKI_KMS_ATTEMPTS); what this adds is memory: once a call has failed because the key store
 * is away (KmsUnavailable or KmsTimeout, after the driver's own retries), the circuit opens
 * and every following call fails at once with KmsUnavailable ("key store unavailable …")
 * instead of each waiting out the same timeouts. A probe, `health()` with its own deadline,
 * runs every `probeIntervalMs` while the circuit is open and closes it when the key store
 * answers; issuance then resumes by itself. Calls already in flight when it opens finish
 * under the driver's own bounds.
 *
 * `health()` while open starts the probe itself unless one is under way, waits for it at most
 * READINESS_WAIT_MS, and otherwise answers from the breaker's state: /readyz and
 * `system.status` show the outage, its cause and since when, at once; never more than one
 * probe at a time reaches a key store that accepts connections and never answers (SIGSTOP);
 * and readiness returns as soon as the key store does. A health
 * check that fails or overruns the deadline while closed opens the circuit too, so a key
 * store that is down at start is reported at once and picked up by the probe.
 */
import type { Logger } from 'pino';

import type { KmsError } from './kmip/errors.js';
import { KmsTimeout, KmsUnavailable } from './kmip/errors.js';
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
} from './key-store.js';

export interface KeyStoreBreakerOptions {
  /** How often an open circuit asks the key store whether it is back. */
  probeIntervalMs: number;
  /** A probe (or a health check) slower than this counts as a failure. */
  probeTimeoutMs: number;
  log: Logger;
}

export type CircuitState = { state: 'closed' } | { state: 'open'; since: Date; reason: string; rejectedCalls: number };

export type CircuitListener = (state: CircuitState) => void;

export class KeyStoreBreaker implements KeyStore {
  readonly #inner: KeyStore;
  readonly #options: KeyStoreBreakerOptions;
  readonly #listeners = new Set<CircuitListener>();
  #circuit: CircuitState = { state: 'closed' };
  #probeTimer: NodeJS.Timeout | undefined;
  #isProbing = false;
  #isClosed = false;

  constructor(inner: KeyStore, options: KeyStoreBreakerOptions) {
    this.#inner = inner;
    this.#options = options;
    if (inner.exportPrivateKey !== undefined) {
      const exportFromInner = inner.exportPrivateKey.bind(inner);
      this.exportPrivateKey = (ref) => this.#guard('exportPrivateKey', () => exportFromInner(ref));
    }
  }

  get backend() {
    return this.#inner.backend;
  }

  get namespace(): string {
    return this.#inner.namespace;
  }

  /** The driver behind the breaker. */
  get driver(): KeyStore {
    return this.#inner;
  }

  get circuit(): CircuitState {
    return this.#circuit;
  }

  /** Told of every opening and closing (boot.ts reconciles keys after an outage). */
  onCircuitChange(listener: CircuitListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  capabilities(): KeyStoreCapabilities {
    return this.#inner.capabilities();
  }

  generateKeyPair(request: GenerateKeyPairRequest): Promise<GenerateKeyPairResult> {
    return this.#guard('generateKeyPair', () => this.#inner.generateKeyPair(request));
  }

  getPublicKey(privateKeyRef: KeyReference): Promise<Uint8Array> {
    return this.#guard('getPublicKey', () => this.#inner.getPublicKey(privateKeyRef));
  }

  sign(request: SignRequest): Promise<SignResult> {
    return this.#guard('sign', () => this.#inner.sign(request));
  }

  revoke(request: RevokeKeyRequest): Promise<void> {
    return this.#guard('revoke', () => this.#inner.revoke(request));
  }

  destroy(privateKeyRef: KeyReference): Promise<void> {
    return this.#guard('destroy', () => this.#inner.destroy(privateKeyRef));
  }

  describe(privateKeyRef: KeyReference): Promise<KeyDescription> {
    return this.#guard('describe', () => this.#inner.describe(privateKeyRef));
  }

  list(): Promise<KeyDescription[]> {
    return this.#guard('list', () => this.#inner.list());
  }

  exportPrivateKey?: (privateKeyRef: KeyReference) => Promise<Uint8Array>;

  async health(): Promise<KeyStoreHealth> {
    if (this.#circuit.state === 'open') {
      // A readiness check is a probe too (one at a time, bounded): /readyz turns 200 as soon as the key store
      // answers. It waits only briefly for that probe, which goes on by itself: a load balancer's check must
      // not hang on a key store that accepts connections and never answers.
      const probed = this.#isProbing ? undefined : await withinReadinessWait(this.#probe());
      // Read again: the probe may have closed it.
      const circuit = this.circuit;
      if (circuit.state === 'closed' && probed?.isHealthy === true) return probed;
      if (circuit.state === 'open') {
        // The cause first, as the driver put it: it is what an operator acts on.
        return {
          isHealthy: false,
          detail: `${circuit.reason} (key store unavailable since ${circuit.since.toISOString()})`,
        };
      }
    }
    const health = await this.#boundedHealth();
    if (!health.isHealthy) this.#open(health.detail ?? 'the key store reports itself unhealthy');
    return health;
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    clearTimeout(this.#probeTimer);
    this.#listeners.clear();
    await this.#inner.close();
  }

  async #guard<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const circuit = this.#circuit;
    if (circuit.state === 'open') {
      circuit.rejectedCalls += 1;
      throw new KmsUnavailable(`${describeOpen(circuit)}; ${operation} was not attempted`, { operation });
    }
    try {
      return await call();
    } catch (error) {
      if (isOutage(error)) this.#open(`${operation} failed: ${error.message}`);
      throw error;
    }
  }

  #open(reason: string): void {
    if (this.#circuit.state === 'open' || this.#isClosed) return;
    this.#circuit = { state: 'open', since: new Date(), reason, rejectedCalls: 0 };
    this.#options.log.warn(
      { backend: this.backend, reason, probeIntervalMs: this.#options.probeIntervalMs },
      'key store unavailable: circuit open, calls fail fast until a probe succeeds',
    );
    this.#notify();
    this.#scheduleProbe();
  }

  #scheduleProbe(): void {
    clearTimeout(this.#probeTimer);
    this.#probeTimer = setTimeout(() => void this.#probe(), this.#options.probeIntervalMs);
    // An open circuit must not keep the process alive.
    this.#probeTimer.unref();
  }

  /** Asks the key store once (bounded); closes the circuit when it answers. Returns what it said, if it ran. */
  async #probe(): Promise<KeyStoreHealth | undefined> {
    if (this.#isProbing || this.#isClosed || this.#circuit.state !== 'open') return undefined;
    this.#isProbing = true;
    let health: KeyStoreHealth;
    try {
      health = await this.#boundedHealth();
    } finally {
      this.#isProbing = false;
    }
    if (this.#isClosed || this.#circuit.state !== 'open') return health;
    if (!health.isHealthy) {
      this.#circuit.reason = health.detail ?? this.#circuit.reason;
      this.#scheduleProbe();
      return health;
    }
    const { since, rejectedCalls } = this.#circuit;
    clearTimeout(this.#probeTimer);
    this.#circuit = { state: 'closed' };
    this.#options.log.info(
      { backend: this.backend, outageMs: Date.now() - since.getTime(), rejectedCalls },
      'key store available again: circuit closed',
    );
    this.#notify();
    return health;
  }

  /** The driver's health(), but never slower than the probe deadline and never throwing. */
  async #boundedHealth(): Promise<KeyStoreHealth> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<KeyStoreHealth>((resolve) => {
      timer = setTimeout(
        () => resolve({ isHealthy: false, detail: `no answer within ${this.#options.probeTimeoutMs} ms` }),
        this.#options.probeTimeoutMs,
      );
    });
    try {
      return await Promise.race([
        this.#inner.health().catch((error: unknown) => ({
          isHealthy: false,
          detail: error instanceof Error ? error.message : String(error),
        })),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  #notify(): void {
    const circuit = this.#circuit;
    for (const listener of this.#listeners) {
      try {
        listener(circuit);
      } catch (error) {
        this.#options.log.error({ err: error }, 'a circuit listener failed');
      }
    }
  }
}

/** How long a health check on an open circuit waits for its probe before answering "still open". */
const READINESS_WAIT_MS = 1_000;

function withinReadinessWait<T>(probe: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const wait = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), READINESS_WAIT_MS);
  });
  return Promise.race([probe, wait]).finally(() => clearTimeout(timer));
}

/** Only "the key store is away" opens the circuit; a refusal or a bad request is an answer. */
function isOutage(error: unknown): error is KmsError {
  return error instanceof KmsUnavailable || error instanceof KmsTimeout;
}

function describeOpen(circuit: Extract<CircuitState, { state: 'open' }>): string {
  return `key store unavailable since ${circuit.since.toISOString()} (${circuit.reason})`;
}

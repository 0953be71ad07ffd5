/**
 * Counts the HTTP requests this process is serving: from arrival until their response is
 * finished or their connection closes. The local key store asks it whether a signature has
 * company (see LocalKeyStoreOptions.hasConcurrentWork): with other requests in progress the
 * signature goes to another core; alone, it is cheaper inline.
 */
import type { FastifyInstance } from 'fastify';

export class InFlightRequests {
  #count = 0;

  get count(): number {
    return this.#count;
  }

  /** True when a request other than the caller's own is in progress. */
  readonly hasOthers = (): boolean => this.#count > 1;

  /** `close` fires once per response, whether it finished or its client went away. */
  register(app: FastifyInstance): void {
    app.addHook('onRequest', async (_request, reply) => {
      this.#count += 1;
      reply.raw.once('close', () => {
        this.#count -= 1;
      });
    });
  }
}

/**
 * Status changes (revocations, a new delegated OCSP signer) fan out to whatever caches their answers (the OCSP responder) without the
 * services knowing each other. Listeners run synchronously after the commit.
 */
export interface StatusChangeEvent {
  caId: string;
  /** Null when every answer about the CA's certificates may have changed (CA revoked, new OCSP signer). */
  serialHex: string | null;
}

export class PkiEvents {
  readonly #listeners = new Set<(event: StatusChangeEvent) => void>();

  onStatusChanged(listener: (event: StatusChangeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  statusChanged(event: StatusChangeEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

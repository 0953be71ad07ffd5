/**
 * Pre-signed OCSP responses, one per CA, serial and CertID encoding, reused until shortly
 * before their nextUpdate so that a cached answer costs no signature. Memory is bounded
 * (`limit` entries, least recently stored first out).
 *
 * An entry remembers the certificate status it encodes (`statusKey`), and the responder
 * hands it out only while the database still says the same: a revocation committed a
 * moment ago, or one whose invalidation event raced an in-flight signature, can never be
 * answered `good` from here. The events (pki-events.ts) drop entries to free memory early.
 */
export interface CachedOcspResponse {
  der: Uint8Array;
  /** The status the response encodes, as `statusKeyOf` spells it. */
  statusKey: string;
  /** After this instant the response is re-signed when the signing budget allows. */
  refreshAfterMs: number;
  /** The response's nextUpdate: never served after it. */
  expiresAtMs: number;
}

export class OcspResponseCache {
  readonly #limit: number;
  /** `caId:serial` → CertID encoding (hex) → response; Map order is the eviction order. */
  readonly #bySerial = new Map<string, Map<string, CachedOcspResponse>>();
  /** Serial keys per CA, so a CA-wide invalidation does not scan every entry. */
  readonly #serialsByCa = new Map<string, Set<string>>();
  #size = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get(caId: string, serialHex: string, certIdHex: string): CachedOcspResponse | undefined {
    return this.#bySerial.get(`${caId}:${serialHex}`)?.get(certIdHex);
  }

  set(caId: string, serialHex: string, certIdHex: string, entry: CachedOcspResponse): void {
    const serialKey = `${caId}:${serialHex}`;
    let group = this.#bySerial.get(serialKey);
    if (group === undefined) {
      while (this.#size >= this.#limit && this.#bySerial.size > 0) this.#evictOldest();
      group = new Map<string, CachedOcspResponse>();
      this.#bySerial.set(serialKey, group);
      let serials = this.#serialsByCa.get(caId);
      if (serials === undefined) this.#serialsByCa.set(caId, (serials = new Set()));
      serials.add(serialKey);
    }
    if (!group.has(certIdHex)) this.#size += 1;
    group.set(certIdHex, entry);
  }

  /** Drops one serial's answers (every CertID encoding of it), or all of a CA's when `serialHex` is null. */
  invalidate(caId: string, serialHex: string | null): void {
    const serials = this.#serialsByCa.get(caId);
    if (serials === undefined) return;
    if (serialHex !== null) {
      this.#dropSerial(`${caId}:${serialHex}`, serials);
      return;
    }
    for (const serialKey of serials) this.#dropSerial(serialKey, serials);
    this.#serialsByCa.delete(caId);
  }

  get size(): number {
    return this.#size;
  }

  #dropSerial(serialKey: string, serials: Set<string>): void {
    const group = this.#bySerial.get(serialKey);
    if (group === undefined) return;
    this.#size -= group.size;
    this.#bySerial.delete(serialKey);
    serials.delete(serialKey);
  }

  #evictOldest(): void {
    const oldest = this.#bySerial.keys().next();
    if (oldest.done) return;
    const caId = oldest.value.slice(0, oldest.value.indexOf(':'));
    const serials = this.#serialsByCa.get(caId);
    if (serials === undefined) {
      this.#size -= this.#bySerial.get(oldest.value)?.size ?? 0;
      this.#bySerial.delete(oldest.value);
    } else {
      this.#dropSerial(oldest.value, serials);
    }
  }
}

/**
 * pkijs takes DOM `BufferSource`s, which (since TypeScript 5.7) exclude views that may sit on a
 * SharedArrayBuffer. Our bytes never do, but their static type says they might; a copy into a
 * fresh ArrayBuffer satisfies the type on the rare paths that hand bytes to pkijs.
 */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

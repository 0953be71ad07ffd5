/** SHA-256 of the CA certificate's DER, as colon-separated hex: what `openssl x509 -fingerprint -sha256` prints. */
import { fetchBlob } from '../../components/download-button.js';

export function formatFingerprint(digest: ArrayBuffer): string {
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

export async function fetchCaFingerprint(caId: string): Promise<string> {
  const der = await (await fetchBlob(`/ca/${encodeURIComponent(caId)}.crt`)).arrayBuffer();
  return formatFingerprint(await crypto.subtle.digest('SHA-256', der));
}

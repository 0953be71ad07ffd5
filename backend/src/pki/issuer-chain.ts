/**
 * A CA's certificate and those above it, nearest first: our own CAs' certificates, then
 * the external issuers a sub-CA signed outside brought with it. Chain files, PKCS#7 and
 * PKCS#12 exports and the chain returned with each issuance are built from it.
 */
import type { CaDirectory } from './ca-directory.js';
import { fromPemAll } from './pem.js';

export function issuerChainDer(directory: CaDirectory, caRef: string): Uint8Array[] {
  const chain: Uint8Array[] = [];
  for (let id: string | null = caRef; id !== null;) {
    const record = directory.get(id);
    if (record.certificate) chain.push(record.certificate.der);
    if (record.row.issuerChainPem) chain.push(...fromPemAll(record.row.issuerChainPem, ['CERTIFICATE']));
    id = record.row.parentId;
  }
  return chain;
}

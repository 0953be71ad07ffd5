/** PEM armor (RFC 7468): strict label match, base64 body only. */

export function toPem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Certificates one after the other, in the order given (a chain file). */
export function chainPem(certificates: readonly Uint8Array[]): string {
  return certificates.map((der) => toPem('CERTIFICATE', der)).join('');
}

/** Every block with one of the labels, in order. Text outside blocks is ignored (openssl does the same). */
export function fromPemAll(text: string, labels: readonly string[]): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  const pattern = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (!labels.includes(match[1] as string)) continue;
    const body = (match[2] as string).replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) throw new Error('PEM body is not base64');
    blocks.push(Buffer.from(body, 'base64'));
  }
  return blocks;
}

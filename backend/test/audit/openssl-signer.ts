/**
 * A real audit signer for tests: an ECDSA P-256 key and self-signed certificate made by
 * openssl in a directory, signing with node:crypto. The server's own signer keeps its key
 * in the key store; these tests check what is done with signatures, not where keys live.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { AuditSigner } from '../../src/audit/checkpoint.js';

export interface OpensslSigner extends AuditSigner {
  certificatePath: string;
}

export function opensslSigner(dir: string): OpensslSigner {
  const keyPath = join(dir, 'signer.key');
  const certificatePath = join(dir, 'signer.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath].concat([
      '-out',
      certificatePath,
      '-subj',
      '/CN=audit signer',
      '-days',
      '2',
    ]),
    { stdio: 'ignore' },
  );
  const fingerprint = execFileSync('openssl', ['x509', '-in', certificatePath, '-noout', '-fingerprint', '-sha256'])
    .toString()
    .trim()
    .replace(/^.*=/, '')
    .replace(/:/g, '')
    .toLowerCase();
  const key = createPrivateKey(readFileSync(keyPath, 'utf8'));
  return {
    certificatePath,
    certificatePem: readFileSync(certificatePath, 'utf8'),
    fingerprint,
    sign: (_ctx, statement) => Promise.resolve(sign('sha256', statement, { key, dsaEncoding: 'der' })),
  };
}

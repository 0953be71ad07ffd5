import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { loadConfig } from './config.js';
import { REDACTED, isSecretName, loggerOptions, redactSecrets } from './logger.js';

const PIN = 'pin-7d1f0c9a';
const COSMIAN_TOKEN = 'cosmian-token-5b2e8f41a0';
const PRIVATE_KEY_PEM =
  '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----';
const API_TOKEN = 'pki_3f9c2a_Q2hhbmdlTWVQbGVhc2VUaGlzSXNBVG9rZW4';

/** A logger built from the app's options, writing its lines into an array. */
function capture(config: Parameters<typeof loggerOptions>[0]) {
  const lines: string[] = [];
  const log = pino(loggerOptions(config, false), { write: (line: string) => lines.push(line) });
  return { log, text: () => lines.join('') };
}

describe('logger redaction (issue 11: secrets never in logs at any depth)', () => {
  const config = loadConfig({
    PKI_MODE: 'production',
    PKI_KMS_BACKEND: 'cosmian',
    PKI_COSMIAN_URL: 'https://kms.example:9998',
    PKI_COSMIAN_TOKEN: COSMIAN_TOKEN,
  });

  it('names secrets by their property name, whatever the case or separator', () => {
    for (const name of ['pin', 'PKI_PKCS11_PIN', 'password', 'newPassword', 'pkcs12Password', 'token', 'sessionToken'])
      expect(isSecretName(name)).toBe(true);
    for (const name of ['clientSecret', 'client_secret', 'apiKey', 'privateKey', 'authorization', 'set-cookie'])
      expect(isSecretName(name)).toBe(true);
    // The first start's one-time admin password is logged once on purpose.
    for (const name of ['tokenLabel', 'privateKeyRef', 'tokenId', 'mapping', 'username', 'keyId', 'oneTimePassword'])
      expect(isSecretName(name)).toBe(false);
  });

  it('censors secret-named properties at any depth, in arrays and in cycles, and keeps the rest', () => {
    const cyclic: Record<string, unknown> = { a: { b: { c: { d: { pin: PIN, label: 'kept' } } } } };
    cyclic.self = cyclic;
    const redacted = redactSecrets({ list: [{ password: 'x' }], cyclic, isPin: true }) as Record<string, unknown>;
    expect(redacted).toMatchObject({
      list: [{ password: REDACTED }],
      cyclic: { a: { b: { c: { d: { pin: REDACTED, label: 'kept' } } } }, self: '[Circular]' },
      isPin: true,
    });
  });

  it('keeps config.kms.token, a nested PIN, bindings and error texts out of the line', () => {
    const { log, text } = capture(config);
    log.info({ config }, 'boot');
    log.child({ kms: { credentials: { pin: PIN } } }).info('child');
    log.info({ deep: { a: [{ b: { c: { pkcs12Password: 'p12-pass-9c1e' } } }] } }, 'deep');
    log.error({ err: new Error(`refused ${COSMIAN_TOKEN} with header Bearer ${API_TOKEN}`) }, 'failed');
    log.warn({ pem: { body: PRIVATE_KEY_PEM } }, `cookie pki_session=abcdefghijklmnop seen`);
    log.info(`the configured token ${COSMIAN_TOKEN} in a message`);
    const output = text();
    for (const secret of [PIN, COSMIAN_TOKEN, 'p12-pass-9c1e', 'MIGHAgEAMBMGByqGSM49', API_TOKEN, 'abcdefghijklmnop'])
      expect(output).not.toContain(secret);
    // Still one JSON object per line, still useful.
    const records = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((record) => record.msg)).toEqual([
      'boot',
      'child',
      'deep',
      'failed',
      `cookie pki_session=${REDACTED} seen`,
      `the configured token ${REDACTED} in a message`,
    ]);
    expect(records[0]).toMatchObject({
      config: { kms: { backend: 'cosmian', url: 'https://kms.example:9998', token: REDACTED } },
    });
    expect(records[3]).toMatchObject({
      err: { type: 'Error', message: expect.stringContaining(`Bearer ${REDACTED}`) },
    });
  });
});

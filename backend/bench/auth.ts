/**
 * What access control costs a request (issue 11): a password sign-in end to end (the
 * limiter, the user lookup, scrypt on the thread pool, the session row and its audit row)
 * next to one bare scrypt at the same parameters, its floor; and the check of an API token
 * on every request (one HMAC-SHA-256 and one indexed read) next to one bare HMAC, in µs.
 */
import { createHmac, randomBytes, scrypt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { pino } from 'pino';

import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { systemContext } from '../src/request-context.js';
import { tokenAs } from '../test/harness/act-as.js';
import { formatRows } from './bench-row.js';
import type { BenchRow } from './bench-row.js';
import { median } from './openssl-peer.js';

const SIGN_INS = 40;
const TOKEN_CHECKS = 20_000;
const PASSWORD = 'bench-password-Quartz-8812';

export async function runAuthBench(): Promise<BenchRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pki-bench-auth-'));
  const config = loadConfig({ PKI_MODE: 'test', PKI_DATA_DIR: dataDir, PKI_PORT: '0' });
  const app = await buildApp(config, { logger: pino({ level: 'silent' }) });
  try {
    const { auth } = app.services;
    const setup = systemContext('bench');
    await auth.users.create(setup, { username: 'bench-user', role: 'operator', password: PASSWORD });

    const signIns: number[] = [];
    for (let index = 0; index < SIGN_INS; index += 1) {
      const started = performance.now();
      // A distinct address per attempt: the limiter counts failures only, but keep it out of the way.
      await auth.signIn.signIn(setup, { username: 'bench-user', password: PASSWORD }, `10.0.0.${index % 250}`);
      signIns.push(performance.now() - started);
    }
    const bareScrypts: number[] = [];
    const salt = randomBytes(16);
    for (let index = 0; index < SIGN_INS; index += 1) {
      const started = performance.now();
      await new Promise((resolve, reject) =>
        scrypt(PASSWORD, salt, 32, { N: 2 ** 14, r: 8, p: 5, maxmem: 256 * 1024 * 1024 }, (error, key) =>
          error ? reject(error) : resolve(key),
        ),
      );
      bareScrypts.push(performance.now() - started);
    }

    const token = await tokenAs(app.services, 'operator', { name: 'bench' });
    const bearer = (token.headers.authorization ?? '').replace(/^Bearer /, '');
    for (let index = 0; index < 1000; index += 1) auth.tokens.resolve(bearer);
    let started = performance.now();
    for (let index = 0; index < TOKEN_CHECKS; index += 1) {
      if (auth.tokens.resolve(bearer).kind !== 'valid') throw new Error('the bench token stopped resolving');
    }
    const tokenCheckMicros = ((performance.now() - started) * 1000) / TOKEN_CHECKS;
    const key = randomBytes(32);
    started = performance.now();
    for (let index = 0; index < TOKEN_CHECKS; index += 1) createHmac('sha256', key).update(bearer).digest('hex');
    const bareHmacMicros = ((performance.now() - started) * 1000) / TOKEN_CHECKS;

    const percentile = (values: number[], fraction: number) =>
      [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * fraction))] ?? NaN;
    return [
      {
        name: 'password sign-in, p50 (vs one bare scrypt N=2^14 r=8 p=5)',
        ours: percentile(signIns, 0.5),
        peer: median(bareScrypts),
        unit: 'ms',
        ratio: median(bareScrypts) / percentile(signIns, 0.5),
      },
      {
        name: 'password sign-in, p99 (vs the bare scrypt p99)',
        ours: percentile(signIns, 0.99),
        peer: percentile(bareScrypts, 0.99),
        unit: 'ms',
        ratio: percentile(bareScrypts, 0.99) / percentile(signIns, 0.99),
      },
      {
        name: 'API token check per request (vs one bare HMAC-SHA-256)',
        ours: tokenCheckMicros,
        peer: bareHmacMicros,
        unit: 'µs',
        ratio: bareHmacMicros / tokenCheckMicros,
        target: 'no slow hash per request',
      },
    ];
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${formatRows('Access control', await runAuthBench())}\n`);
}

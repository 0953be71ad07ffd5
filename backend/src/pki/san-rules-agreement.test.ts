/**
 * The wizard validates SANs with @pki/shared's rules (san.ts) and the server with names.ts:
 * both must accept and refuse the same names, with the same message.
 */
import { describe, expect, it } from 'vitest';

import { sanProblem } from '@pki/shared';
import type { SanType } from '@pki/shared';

import { parseSan } from './names.js';

const CASES: [SanType, string][] = [
  ['dns', 'www.example.com'],
  ['dns', '*.example.com'],
  ['dns', '*.com'],
  ['dns', 'bad_host'],
  ['dns', '-leading.example'],
  ['dns', 'exämple.com'],
  ['dns', `${'a'.repeat(64)}.example`],
  ['dns', 'has space.example'],
  ['ip', '192.0.2.1'],
  ['ip', '300.1.1.1'],
  ['ip', '2001:db8::1'],
  ['ip', '::1'],
  ['ip', '2001:db8::1%eth0'],
  ['ip', '1:2:3:4:5:6:7:8:9'],
  ['email', 'ops@example.com'],
  ['email', 'ops@*.example.com'],
  ['email', '@example.com'],
  ['uri', 'https://example.com/a'],
  ['uri', 'not a uri'],
  ['uri', 'https://example.com/<x>'],
];

function serverProblem(type: SanType, value: string): string | null {
  try {
    parseSan(`${type}:${value}`);
    return null;
  } catch (error) {
    const message = (error as Error).message;
    return message.slice(message.lastIndexOf(': ') + 2);
  }
}

describe('SAN rules, browser and server', () => {
  it.each(CASES)('agree on %s:%s', (type, value) => {
    const browser = sanProblem(type, value);
    const server = serverProblem(type, value);
    expect(browser === null, `browser: ${String(browser)}, server: ${String(server)}`).toBe(server === null);
    if (browser !== null && server !== null) expect(server).toContain(browser);
  });
});

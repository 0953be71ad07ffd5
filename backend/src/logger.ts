/**
 * pino options for the app. Components take `log.child({ component })`.
 *
 * Secrets never reach a log line, at any depth. pino's own `redact` takes fixed paths
 * whose wildcards cover one level (`*.pin` missed `config.kms.pin`), so redaction is a
 * over the finished line (pino's `streamWrite` hook: the one place that sees the logged
 * object, a child's bindings and the serialized error together), in two passes:
 * - by name: every property whose name ends in a secret word (`pin`, `password`,
 *   `token`, `clientSecret`, `privateKey`, `pkcs12Password`, `authorization`, `cookie`…)
 *   is censored wherever it sits;
 * - by value: the line loses every secret of the configuration (found by the same names),
 *   PEM private keys, `Bearer …` credentials, API tokens and session cookies, so a secret
 *   that travelled into a message or an error's text is caught too.
 * Key material is never logged in the first place; this is the second line of defence.
 */
import { pino } from 'pino';
import type { LoggerOptions } from 'pino';

import type { Config } from './config.js';

export const REDACTED = '[redacted]';

/** A property is a secret when its name, lower-cased without `-` and `_`, ends in one of these. */
const SECRET_NAME_ENDINGS = [
  'password',
  'passphrase',
  'pin',
  'secret',
  'token',
  'apikey',
  'privatekey',
  'pkcs8',
  'pkcs12',
  'authorization',
  'cookie',
  'credentials',
];

/** Shapes of secrets recognizable in any text (the line is JSON: newlines appear as `\n`). */
const SECRET_VALUE_PATTERNS: readonly [RegExp, string][] = [
  [/-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  [/\bpki_[A-Za-z0-9-]+_[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/\bpki_session=[^;"\s\\]+/g, `pki_session=${REDACTED}`],
];

/**
 * Configured secrets shorter than this, or made only of digits, are censored by name only:
 * replacing "1234" anywhere in a line would corrupt numbers and timestamps.
 */
const MIN_SCRUBBED_SECRET_LENGTH = 8;

/**
 * Logged on purpose: the first start's one-time admin password is printed once (issue 11),
 * is useless once changed, and sign-in demands the change.
 */
const DISCLOSED_ON_PURPOSE = new Set(['oneTimePassword']);

export function isSecretName(name: string): boolean {
  if (DISCLOSED_ON_PURPOSE.has(name)) return false;
  const normalized = name.toLowerCase().replace(/[-_]/g, '');
  return SECRET_NAME_ENDINGS.some((ending) => normalized.endsWith(ending));
}

/**
 * A copy of `value` with every secret-named property censored, at any depth. Walks plain
 * objects, arrays and errors (serialized as pino would); other class instances are kept.
 */
export function redactSecrets(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (value instanceof Error) return redactSecrets(pino.stdSerializers.err(value), seen);
  if (Array.isArray(value)) {
    seen.add(value);
    return value.map((item) => redactSecrets(item, seen));
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  seen.add(value);
  const copy: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    copy[name] = isSecretName(name) && item != null && typeof item !== 'boolean' ? REDACTED : redactSecrets(item, seen);
  }
  return copy;
}

/** Every string under a secret-named property of `value` (the configuration's secrets). */
export function secretValuesOf(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (value === null || typeof value !== 'object') return found;
  for (const [name, item] of Object.entries(value)) {
    if (typeof item === 'string' && isSecretName(name)) found.add(item);
    else secretValuesOf(item, found);
  }
  return found;
}

/**
 * Redacts one finished log line (one JSON object and its newline): secret-named properties,
 * then each configured secret as it appears inside a JSON string, then secret-shaped values.
 */
export function lineScrubber(secrets: Iterable<string>): (line: string) => string {
  const literals = [...secrets]
    .filter((secret) => secret.length >= MIN_SCRUBBED_SECRET_LENGTH && !/^\d+$/.test(secret))
    .map((secret) => JSON.stringify(secret).slice(1, -1))
    // Longest first, so a secret that contains another is replaced whole.
    .sort((a, b) => b.length - a.length);
  return (line) => {
    let scrubbed = line;
    try {
      scrubbed = `${JSON.stringify(redactSecrets(JSON.parse(line)))}\n`;
    } catch {
      // Not one JSON object (never from pino itself): the value passes below still apply.
    }
    for (const literal of literals) scrubbed = scrubbed.split(literal).join(REDACTED);
    for (const [pattern, replacement] of SECRET_VALUE_PATTERNS) scrubbed = scrubbed.replace(pattern, replacement);
    return scrubbed;
  };
}

/** Pass the whole Config: its secrets are what the line scrub looks for by value. */
export function loggerOptions(config: Pick<Config, 'mode' | 'logLevel'>, isTty: boolean): LoggerOptions {
  const options: LoggerOptions = {
    level: config.logLevel,
    hooks: { streamWrite: lineScrubber(secretValuesOf(config)) },
  };
  // Pretty output is for a person watching a terminal in development; everything else
  // (production, CI, files) gets one JSON object per line.
  if (config.mode === 'development' && isTty) {
    options.transport = { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } };
  }
  return options;
}

/**
 * pino options for the app. Components take `log.child({ component })`. Redaction covers
 * every place a secret could travel through a log line; key material is never logged in
 * the first place, this is the second line of defence.
 */
import type { LoggerOptions } from 'pino';

import type { Config } from './config.js';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  '*.token',
  '*.apiKey',
  '*.pin',
  '*.password',
  '*.privateKey',
  '*.pkcs12',
  'kms.token',
  'kms.apiKey',
  'kms.pin',
];

export function loggerOptions(config: Pick<Config, 'mode' | 'logLevel'>, isTty: boolean): LoggerOptions {
  const options: LoggerOptions = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  // Pretty output is for a person watching a terminal in development; everything else
  // (production, CI, files) gets one JSON object per line.
  if (config.mode === 'development' && isTty) {
    options.transport = { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } };
  }
  return options;
}

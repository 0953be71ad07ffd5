/**
 * The process edges a CLI run touches, passed in so tests can run the CLI in process and
 * read what it printed.
 */
import type { Readable } from 'node:stream';

import { UsageError } from './cli-errors.js';

export interface OutputStream {
  write(text: string): unknown;
  /** Whether a person is watching (progress is drawn only then). */
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: Readable;
  /** `PKI_URL` (cli-config.ts reads the environment). */
  serverUrlFromEnvironment: string | undefined;
  /** `PKI_TOKEN`: wins over the stored credential. */
  tokenFromEnvironment?: string | undefined;
  /** Where `pki login` stores its credential; without it nothing is stored or read. */
  configDir?: string | undefined;
}

/** Reads all of stdin as text (a password piped in, never echoed). */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** A secret piped in (`--password-stdin`, `--token-stdin`): the trailing newline of `echo` is not part of it. */
export async function readSecret(stream: Readable, flag: string): Promise<string> {
  const secret = (await readAll(stream)).replace(/\r?\n$/, '');
  if (secret === '') throw new UsageError(`${flag}: nothing was piped in`);
  return secret;
}

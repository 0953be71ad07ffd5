/**
 * The process edges a CLI run touches, passed in so tests can run the CLI in process and
 * read what it printed.
 */
import type { Readable } from 'node:stream';

export interface OutputStream {
  write(text: string): unknown;
  /** Whether a person is watching (progress is drawn only then). */
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: Readable;
  /** `PKI_URL`. */
  serverUrlFromEnvironment: string | undefined;
  /** `PKI_TOKEN`: an API token, sent as `Authorization: Bearer`. */
  tokenFromEnvironment?: string | undefined;
}

/** Reads all of stdin as text (a password piped in, never echoed). */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

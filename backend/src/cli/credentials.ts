/**
 * The CLI's stored credential: `credentials.json` under the config directory, mode 0600 in a
 * 0700 directory, one entry per server URL (a credential is never sent to another server).
 * After `pki login --username … --password-stdin` it holds the session cookie's value (sent
 * back as `Cookie: pki_session=…`); after `--token-stdin`, the API token (sent as
 * `Authorization: Bearer`). `PKI_TOKEN` in the environment wins over both.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { UsageError } from './cli-errors.js';

export type Credential = { kind: 'session'; value: string } | { kind: 'token'; value: string };

interface CredentialsFile {
  servers: Record<string, Credential>;
}

export const CREDENTIALS_FILE = 'credentials.json';

export class CredentialStore {
  readonly path: string;
  readonly #configDir: string;

  constructor(configDir: string) {
    this.#configDir = configDir;
    this.path = join(configDir, CREDENTIALS_FILE);
  }

  get(server: URL): Credential | undefined {
    return this.#read().servers[server.toString()];
  }

  set(server: URL, credential: Credential): void {
    const file = this.#read();
    file.servers[server.toString()] = credential;
    this.#write(file);
  }

  /** Whether there was one to forget. */
  delete(server: URL): boolean {
    const file = this.#read();
    if (file.servers[server.toString()] === undefined) return false;
    delete file.servers[server.toString()];
    if (Object.keys(file.servers).length === 0) rmSync(this.path, { force: true });
    else this.#write(file);
    return true;
  }

  #read(): CredentialsFile {
    if (!existsSync(this.path)) return { servers: {} };
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<CredentialsFile>;
      return { servers: { ...parsed.servers } };
    } catch {
      throw new UsageError(`${this.path}: not a credentials file; remove it and run pki login again`);
    }
  }

  #write(file: CredentialsFile): void {
    mkdirSync(this.#configDir, { recursive: true, mode: 0o700 });
    writeFileSync(this.path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    // An existing file keeps its mode on write: make sure it is ours alone.
    chmodSync(this.path, 0o600);
  }
}

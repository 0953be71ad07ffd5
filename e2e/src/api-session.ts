/**
 * The API as a test's setup uses it: signed in with a session cookie over plain HTTP against
 * the built app (no backend source is imported). Mutations carry the console's request
 * marker header, as the server's browser rule demands of any call with the cookie.
 */
import { E2E_ADMIN } from './server.js';

export interface ApiAnswer<T = unknown> {
  status: number;
  data: T | undefined;
  error: { message: string; data?: { appCode?: string; code?: string } } | undefined;
}

export class ApiSession {
  private constructor(
    readonly baseUrl: string,
    readonly cookie: string,
  ) {}

  static async signIn(baseUrl: string, credentials: { username: string; password: string }): Promise<ApiSession> {
    const response = await fetch(`${baseUrl}/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-PKI-Request': '1' },
      body: JSON.stringify(credentials),
    });
    const setCookie = response.headers.get('set-cookie');
    if (response.status !== 200 || setCookie === null) {
      throw new Error(`signing in as ${credentials.username} answered ${response.status}: ${await response.text()}`);
    }
    return new ApiSession(baseUrl, setCookie.split(';')[0] ?? '');
  }

  async query<T>(path: string, input?: unknown): Promise<ApiAnswer<T>> {
    const search = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return this.#answer<T>(await fetch(`${this.baseUrl}/trpc/${path}${search}`, { headers: { cookie: this.cookie } }));
  }

  async mutate<T>(path: string, input?: unknown): Promise<ApiAnswer<T>> {
    const response = await fetch(`${this.baseUrl}/trpc/${path}`, {
      method: 'POST',
      headers: { cookie: this.cookie, 'content-type': 'application/json', 'X-PKI-Request': '1' },
      body: JSON.stringify(input ?? {}),
    });
    return this.#answer<T>(response);
  }

  /** Like mutate, but a refusal fails the setup with the server's words. */
  async must<T>(path: string, input?: unknown): Promise<T> {
    const answer = await this.mutate<T>(path, input);
    if (answer.error !== undefined) throw new Error(`${path} answered ${answer.status}: ${answer.error.message}`);
    return answer.data as T;
  }

  async #answer<T>(response: Response): Promise<ApiAnswer<T>> {
    const body = (await response.json()) as { result?: { data: T }; error?: ApiAnswer['error'] };
    return { status: response.status, data: body.result?.data, error: body.error };
  }
}

export type Role = 'admin' | 'operator' | 'auditor';

/**
 * A user of that role with a settled password: created by the first admin with a first
 * password, which the user then changes, as the server demands at first sign-in.
 */
export async function createSettledUser(
  admin: ApiSession,
  username: string,
  role: Role,
): Promise<{ username: string; password: string }> {
  const firstPassword = `first-${username}-Quorum-8812`;
  const password = `e2e-${username}-Lantern-5530`;
  await admin.must('users.create', { username, role, password: firstPassword });
  const user = await ApiSession.signIn(admin.baseUrl, { username, password: firstPassword });
  await user.must('auth.changePassword', { currentPassword: firstPassword, newPassword: password });
  return { username, password };
}

export function signInAsFirstAdmin(baseUrl: string): Promise<ApiSession> {
  return ApiSession.signIn(baseUrl, E2E_ADMIN);
}

/**
 * Any 401 from the API means the session is gone (idle or absolute expiry, signed out in
 * another tab, user disabled): the console sends the user to sign in and, afterwards, back
 * to where they were. A few procedures answer 401 as their normal result and handle it
 * themselves.
 */
import { isUnauthenticated, procedureOf } from './api-error.js';
import { SIGN_IN_PATH } from './return-to.js';

/** Their 401 is an answer shown where they were called (wrong password, not signed in yet). */
const PROCEDURES_ANSWERING_401 = new Set(['auth.signIn', 'auth.changePassword', 'auth.me']);

export function shouldSendToSignIn(error: unknown, currentPathname: string): boolean {
  if (!isUnauthenticated(error)) return false;
  const procedure = procedureOf(error);
  if (procedure !== undefined && PROCEDURES_ANSWERING_401.has(procedure)) return false;
  return currentPathname !== SIGN_IN_PATH;
}

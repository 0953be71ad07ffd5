/**
 * The `?error=` codes the OpenID Connect callback redirects to the sign-in page with
 * (OidcSignInErrorCode in the backend's errors.ts), as sentences a person can act on.
 */
const OIDC_ERROR_SENTENCES: Record<string, string> = {
  OIDC_UNAVAILABLE: 'The identity provider could not be reached. Try again in a moment, or sign in with a password.',
  OIDC_STATE_INVALID: 'That sign-in had expired or was started in another browser tab. Start it again from this page.',
  OIDC_NONCE_MISMATCH: 'The identity provider answered for a different sign-in. Start it again from this page.',
  OIDC_PROVIDER_REFUSED: 'The identity provider refused the sign-in.',
  OIDC_RESPONSE_INVALID: "The identity provider's answer could not be verified, so it was not trusted.",
  OIDC_NO_ROLE:
    'You signed in at the identity provider, but none of your groups grants a role in PKI Manager. Ask an administrator to add you to one.',
};

export function describeOidcError(code: string): string {
  return OIDC_ERROR_SENTENCES[code] ?? `Sign-in with the identity provider failed (${code}).`;
}

/**
 * The inventory's filters as URL search parameters (q, status, caId, profile, keyAlgorithm,
 * expiresAfter, expiresBefore, sort), so a view can be bookmarked and shared.
 */
import { CERTIFICATE_SORTS, CERTIFICATE_STATUSES, KEY_ALGORITHMS } from '@pki/shared';
import type { CertificateFilter, CertificateSort } from '@pki/shared';

export const FILTER_PARAMS = [
  'q',
  'status',
  'caId',
  'profile',
  'keyAlgorithm',
  'expiresAfter',
  'expiresBefore',
  'sort',
] as const;

const oneOf = <T extends string>(values: readonly T[], value: string | null): T | undefined =>
  value !== null && (values as readonly string[]).includes(value) ? (value as T) : undefined;

/** A day ("2026-12-31") from a date input to the instant the API takes. */
const dayToIso = (day: string | null) => (day && /^\d{4}-\d{2}-\d{2}$/.test(day) ? `${day}T00:00:00.000Z` : undefined);

export function filterFromSearchParams(params: URLSearchParams): CertificateFilter & { sort: CertificateSort } {
  const status = oneOf(CERTIFICATE_STATUSES, params.get('status'));
  const keyAlgorithm = oneOf(KEY_ALGORITHMS, params.get('keyAlgorithm'));
  const expiresAfter = dayToIso(params.get('expiresAfter'));
  const expiresBefore = dayToIso(params.get('expiresBefore'));
  const q = params.get('q')?.trim();
  return {
    ...(q ? { search: q.slice(0, 200) } : {}),
    ...(status ? { status } : {}),
    ...(params.get('caId') ? { caId: params.get('caId') as string } : {}),
    ...(params.get('profile') ? { profile: params.get('profile') as string } : {}),
    ...(keyAlgorithm ? { keyAlgorithm } : {}),
    ...(expiresAfter ? { expiresAfter } : {}),
    ...(expiresBefore ? { expiresBefore } : {}),
    sort: oneOf(CERTIFICATE_SORTS, params.get('sort')) ?? 'notBefore.desc',
  };
}

/** Sets or clears one parameter, keeping the others. */
export function withParam(
  params: URLSearchParams,
  name: (typeof FILTER_PARAMS)[number],
  value: string,
): URLSearchParams {
  const next = new URLSearchParams(params);
  if (value === '') next.delete(name);
  else next.set(name, value);
  return next;
}

/**
 * The audit log's filters live in the URL, so a view can be shared and survives a reload.
 * Times are ISO instants in the URL; the form edits them as local date-times.
 */
import { AUDIT_STATUSES, type AuditStatus } from '@pki/shared';

export const FILTER_NAMES = [
  'since',
  'until',
  'actor',
  'operation',
  'status',
  'entityType',
  'entityId',
  'requestId',
] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
export type AuditFilters = Partial<Record<Exclude<FilterName, 'status'>, string>> & { status?: AuditStatus };

export function filtersFromSearch(search: URLSearchParams): AuditFilters {
  const filters: AuditFilters = {};
  for (const name of FILTER_NAMES) {
    const value = search.get(name)?.trim();
    if (value === undefined || value === '') continue;
    if (name === 'status') {
      if ((AUDIT_STATUSES as readonly string[]).includes(value)) filters.status = value as AuditStatus;
    } else if (name === 'since' || name === 'until') {
      if (!Number.isNaN(Date.parse(value))) filters[name] = new Date(value).toISOString();
    } else {
      filters[name] = value;
    }
  }
  return filters;
}

export function searchFromFilters(filters: AuditFilters): URLSearchParams {
  const search = new URLSearchParams();
  for (const name of FILTER_NAMES) {
    const value = filters[name];
    if (value !== undefined && value !== '') search.set(name, value);
  }
  return search;
}

/** `2026-01-02T03:04` (a datetime-local value, local time) ↔ an ISO instant. */
export function localInputToIso(value: string): string | undefined {
  if (value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function isoToLocalInput(iso: string | undefined): string {
  if (iso === undefined) return '';
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

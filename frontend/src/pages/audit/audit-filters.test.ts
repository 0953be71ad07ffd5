import { describe, expect, it } from 'vitest';

import { filtersFromSearch, isoToLocalInput, localInputToIso, searchFromFilters } from './audit-filters.js';

describe('audit filters in the URL', () => {
  it('round-trips every filter and drops unknown or malformed values', () => {
    const search = new URLSearchParams(
      'actor=user:alice&operation=kms.destroy&status=failure&since=2026-01-01T00:00:00.000Z&requestId=req-1&entityId=k1&junk=1',
    );
    const filters = filtersFromSearch(search);
    expect(filters).toEqual({
      actor: 'user:alice',
      operation: 'kms.destroy',
      status: 'failure',
      since: '2026-01-01T00:00:00.000Z',
      requestId: 'req-1',
      entityId: 'k1',
    });
    expect(filtersFromSearch(searchFromFilters(filters))).toEqual(filters);
    expect(filtersFromSearch(new URLSearchParams('status=maybe&until=yesterday'))).toEqual({});
  });

  it('converts between the local date-time field and ISO instants', () => {
    const iso = localInputToIso('2026-03-04T05:06');
    expect(iso).toBeDefined();
    expect(isoToLocalInput(iso)).toBe('2026-03-04T05:06');
    expect(localInputToIso('')).toBeUndefined();
  });
});

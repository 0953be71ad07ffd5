/**
 * The certificate inventory: server-side filters, sorts and keyset pages (an infinite
 * query over certificates.list), drawn by InventoryTable. Filters live in the URL.
 */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import type { ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';

import { CERTIFICATE_SORTS, CERTIFICATE_STATUSES, KEY_ALGORITHMS, PROFILE_IDS } from '@pki/shared';

import { Button } from '../../components/button.js';
import { saveBlob } from '../../components/download-button.js';
import { EmptyState } from '../../components/empty-state.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { SkeletonBlock } from '../../components/skeleton.js';
import { useTRPC, useTRPCClient } from '../../trpc.js';
import { filterFromSearchParams, withParam } from './inventory-filters.js';
import { InventoryTable } from './inventory-table.js';

/**
 * A small first page draws the view quickly; wide pages after it keep a fast scroll fed in few
 * round trips, the next one asked for while a whole page is still ahead of the view.
 */
const FIRST_PAGE_ROWS = 100;
const NEXT_PAGE_ROWS = 500;

type FilterParam = Parameters<typeof withParam>[1];

const DATE_FILTERS: { param: FilterParam; id: string; label: string }[] = [
  { param: 'expiresAfter', id: 'inventory-after', label: 'Expires after' },
  { param: 'expiresBefore', id: 'inventory-before', label: 'Expires before' },
];

const FIELD_CLASSES = 'rounded border border-line bg-panel px-2 py-1 text-ink';

const SORT_LABELS: Record<(typeof CERTIFICATE_SORTS)[number], string> = {
  'notBefore.desc': 'Newest issued',
  'notBefore.asc': 'Oldest issued',
  'notAfter.asc': 'Expiring soonest',
  'notAfter.desc': 'Expiring latest',
  'subject.asc': 'Subject A–Z',
  'subject.desc': 'Subject Z–A',
};

export function CertificateInventory() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [params, setParams] = useSearchParams();
  const filter = useMemo(() => filterFromSearchParams(params), [params]);
  const cas = useQuery(trpc.cas.list.queryOptions());
  const caNames = useMemo(() => new Map((cas.data ?? []).map((ca) => [ca.id, ca.name])), [cas.data]);

  const pages = useInfiniteQuery({
    queryKey: trpc.certificates.list.infiniteQueryKey(filter),
    queryFn: ({ pageParam, signal }) =>
      client.certificates.list.query(
        pageParam === null
          ? { ...filter, limit: FIRST_PAGE_ROWS }
          : { ...filter, limit: NEXT_PAGE_ROWS, cursor: pageParam },
        { signal },
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const rows = useMemo(() => pages.data?.pages.flatMap((page) => page.items) ?? [], [pages.data]);

  const { hasNextPage, isFetchingNextPage, fetchNextPage } = pages;
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const set = (name: FilterParam) => (value: string) => setParams(withParam(params, name, value), { replace: true });

  const selectFilters: { param: FilterParam; id: string; label: string; options: [string, string][] }[] = [
    { param: 'status', id: 'inventory-status', label: 'Status', options: CERTIFICATE_STATUSES.map((s) => [s, s]) },
    { param: 'caId', id: 'inventory-ca', label: 'CA', options: (cas.data ?? []).map((ca) => [ca.id, ca.name]) },
    { param: 'profile', id: 'inventory-profile', label: 'Profile', options: PROFILE_IDS.map((p) => [p, p]) },
    { param: 'keyAlgorithm', id: 'inventory-key', label: 'Key algorithm', options: KEY_ALGORITHMS.map((k) => [k, k]) },
  ];

  const exportCsv = async () => {
    const file = await client.certificates.exportCsv.query(filter);
    saveBlob(new Blob([file.csv], { type: 'text/csv' }), file.filename);
  };

  return (
    <div className="space-y-4">
      <form role="search" className="flex flex-wrap items-end gap-3" onSubmit={(event) => event.preventDefault()}>
        <FilterField label="Search" id="inventory-q">
          <input
            id="inventory-q"
            type="search"
            placeholder="Subject, SAN or serial"
            defaultValue={params.get('q') ?? ''}
            onChange={(event) => set('q')(event.target.value)}
            className={FIELD_CLASSES}
          />
        </FilterField>
        {selectFilters.map((select) => (
          <SelectFilter
            key={select.param}
            id={select.id}
            label={select.label}
            value={params.get(select.param) ?? ''}
            onChange={set(select.param)}
            options={select.options}
          />
        ))}
        {DATE_FILTERS.map((date) => (
          <FilterField key={date.param} label={date.label} id={date.id}>
            <input
              id={date.id}
              type="date"
              value={params.get(date.param) ?? ''}
              onChange={(event) => set(date.param)(event.target.value)}
              className={FIELD_CLASSES}
            />
          </FilterField>
        ))}
        <SelectFilter
          id="inventory-sort"
          label="Sort"
          value={filter.sort}
          onChange={set('sort')}
          options={CERTIFICATE_SORTS.map((s) => [s, SORT_LABELS[s]])}
          hasAny={false}
        />
        <Button variant="secondary" onPress={() => void exportCsv()}>
          Export CSV
        </Button>
      </form>

      {pages.isError && <ApiErrorNotice title="The certificates could not be loaded" error={pages.error} />}
      {pages.isPending && <SkeletonBlock label="Loading certificates…" lines={6} />}
      {pages.isSuccess && rows.length === 0 && (
        <EmptyState title="No certificates match">
          Clear a filter, or <Link to="/certificates/issue">issue a certificate</Link>.
        </EmptyState>
      )}
      {rows.length > 0 && (
        <InventoryTable rows={rows} caNames={caNames} onNearEnd={loadMore} nearEndRows={NEXT_PAGE_ROWS} />
      )}
      {pages.isFetchingNextPage && <p className="text-sm text-ink-muted">Loading more…</p>}
    </div>
  );
}

function FilterField({ label, id, children }: { label: string; id: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-xs font-medium text-ink-muted">
        {label}
      </label>
      {children}
    </div>
  );
}

function SelectFilter(props: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: [string, string][];
  hasAny?: boolean;
}) {
  return (
    <FilterField label={props.label} id={props.id}>
      <select
        id={props.id}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
        className={FIELD_CLASSES}
      >
        {props.hasAny !== false && <option value="">Any</option>}
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </FilterField>
  );
}

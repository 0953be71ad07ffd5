/**
 * The certificate inventory: server-side filters, sorts and keyset pages (an infinite
 * query over certificates.list), drawn by TanStack Table with only the visible rows in the
 * DOM (@tanstack/react-virtual), so 100,000 rows scroll like 100. Filters live in the URL.
 */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef } from 'react';
import type { ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';

import { CERTIFICATE_SORTS, CERTIFICATE_STATUSES, KEY_ALGORITHMS, PROFILE_IDS } from '@pki/shared';
import type { CertificateSummary } from '@pki/shared';

import { StateBadge } from '../../components/badge.js';
import { Button } from '../../components/button.js';
import { saveBlob } from '../../components/download-button.js';
import { EmptyState } from '../../components/empty-state.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { SkeletonBlock } from '../../components/skeleton.js';
import { useTRPC, useTRPCClient } from '../../trpc.js';
import { filterFromSearchParams, withParam } from './inventory-filters.js';

const PAGE_SIZE = 100;
const ROW_HEIGHT = 44;
const PREFETCH_ROWS = 3 * PAGE_SIZE;

const SORT_LABELS: Record<(typeof CERTIFICATE_SORTS)[number], string> = {
  'notBefore.desc': 'Newest issued',
  'notBefore.asc': 'Oldest issued',
  'notAfter.asc': 'Expiring soonest',
  'notAfter.desc': 'Expiring latest',
  'subject.asc': 'Subject A–Z',
  'subject.desc': 'Subject Z–A',
};

const column = createColumnHelper<CertificateSummary>();
/** Subject, serial, CA, profile, key, expiry, status. */
const COLUMN_WIDTHS = ['w-[26%]', 'w-[16%]', 'w-[14%]', 'w-[14%]', 'w-[10%]', 'w-[10%]', 'w-[10%]'];
const day = (iso: string) => iso.slice(0, 10);

export function CertificateInventory() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [params, setParams] = useSearchParams();
  const filter = useMemo(() => filterFromSearchParams(params), [params]);
  const cas = useQuery(trpc.cas.list.queryOptions());
  const caNames = useMemo(() => new Map((cas.data ?? []).map((ca) => [ca.id, ca.name])), [cas.data]);

  const pages = useInfiniteQuery(
    trpc.certificates.list.infiniteQueryOptions(
      { ...filter, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const rows = useMemo(() => pages.data?.pages.flatMap((page) => page.items) ?? [], [pages.data]);

  const columns = useMemo(
    () => [
      column.accessor('commonName', {
        header: 'Subject',
        cell: (info) => (
          <Link className="text-brand underline" to={`/certificates/${info.row.original.id}`}>
            {info.getValue() ?? info.row.original.subjectDn}
          </Link>
        ),
      }),
      column.accessor('serialHex', {
        header: 'Serial',
        cell: (info) => <code className="text-xs">{info.getValue()}</code>,
      }),
      column.accessor('caId', { header: 'CA', cell: (info) => caNames.get(info.getValue()) ?? '…' }),
      column.accessor('profile', { header: 'Profile' }),
      column.accessor('keyAlgorithm', { header: 'Key', cell: (info) => info.getValue() ?? '—' }),
      column.accessor('notAfter', { header: 'Expires', cell: (info) => day(info.getValue()) }),
      column.accessor('status', { header: 'Status', cell: (info) => <StateBadge state={info.getValue()} /> }),
    ],
    [caNames],
  );
  const table = useReactTable({ data: rows, columns, getCoreRowModel: getCoreRowModel(), getRowId: (row) => row.id });

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    // Fetch the next keyset page while three pages are still ahead, so a fast scroll rarely
    // reaches the end of what is loaded and waits there.
    if (lastIndex >= rows.length - PREFETCH_ROWS && pages.hasNextPage && !pages.isFetchingNextPage)
      void pages.fetchNextPage();
  }, [lastIndex, rows.length, pages]);

  const set = (name: Parameters<typeof withParam>[1]) => (value: string) =>
    setParams(withParam(params, name, value), { replace: true });

  const exportCsv = async () => {
    const file = await client.certificates.exportCsv.query(filter);
    saveBlob(new Blob([file.csv], { type: 'text/csv' }), file.filename);
  };

  const tableRows = table.getRowModel().rows;
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
            className="rounded border border-line bg-panel px-2 py-1 text-ink"
          />
        </FilterField>
        <SelectFilter
          id="inventory-status"
          label="Status"
          value={params.get('status') ?? ''}
          onChange={set('status')}
          options={CERTIFICATE_STATUSES.map((s) => [s, s])}
        />
        <SelectFilter
          id="inventory-ca"
          label="CA"
          value={params.get('caId') ?? ''}
          onChange={set('caId')}
          options={(cas.data ?? []).map((ca) => [ca.id, ca.name])}
        />
        <SelectFilter
          id="inventory-profile"
          label="Profile"
          value={params.get('profile') ?? ''}
          onChange={set('profile')}
          options={PROFILE_IDS.map((p) => [p, p])}
        />
        <SelectFilter
          id="inventory-key"
          label="Key algorithm"
          value={params.get('keyAlgorithm') ?? ''}
          onChange={set('keyAlgorithm')}
          options={KEY_ALGORITHMS.map((k) => [k, k])}
        />
        <FilterField label="Expires after" id="inventory-after">
          <input
            id="inventory-after"
            type="date"
            value={params.get('expiresAfter') ?? ''}
            onChange={(event) => set('expiresAfter')(event.target.value)}
            className="rounded border border-line bg-panel px-2 py-1 text-ink"
          />
        </FilterField>
        <FilterField label="Expires before" id="inventory-before">
          <input
            id="inventory-before"
            type="date"
            value={params.get('expiresBefore') ?? ''}
            onChange={(event) => set('expiresBefore')(event.target.value)}
            className="rounded border border-line bg-panel px-2 py-1 text-ink"
          />
        </FilterField>
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
        <div
          ref={scroller}
          className="h-[70vh] overflow-auto rounded border border-line bg-panel"
          data-testid="inventory-scroller"
        >
          {/* Fixed layout: column widths come from the colgroup, not from measuring every drawn row,
              so each scroll frame lays out only the rows it adds. */}
          <table className="w-full table-fixed border-collapse text-sm" aria-rowcount={rows.length}>
            <colgroup>
              {COLUMN_WIDTHS.map((width, index) => (
                <col key={index} className={width} />
              ))}
            </colgroup>
            <thead className="sticky top-0 z-10 bg-panel">
              {table.getHeaderGroups().map((group) => (
                <tr key={group.id}>
                  {group.headers.map((header) => (
                    <th
                      key={header.id}
                      scope="col"
                      className="border-b border-line px-3 py-2 text-left font-semibold text-ink"
                    >
                      {flexRender(header.column.columnDef.header, header.getContext())}
                    </th>
                  ))}
                </tr>
              ))}
            </thead>
            <tbody>
              {items[0] && items[0].start > 0 && <tr aria-hidden="true" style={{ height: items[0].start }} />}
              {items.map((item) => {
                const row = tableRows[item.index];
                if (!row) return null;
                return (
                  <tr
                    key={row.id}
                    aria-rowindex={item.index + 1}
                    className="border-b border-line"
                    style={{ height: ROW_HEIGHT }}
                    data-testid="inventory-row"
                  >
                    {row.getVisibleCells().map((cell) => (
                      <td key={cell.id} className="truncate px-3 py-1 text-ink">
                        {flexRender(cell.column.columnDef.cell, cell.getContext())}
                      </td>
                    ))}
                  </tr>
                );
              })}
              {items.length > 0 && (
                <tr
                  aria-hidden="true"
                  style={{ height: virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0) }}
                />
              )}
            </tbody>
          </table>
        </div>
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
        className="rounded border border-line bg-panel px-2 py-1 text-ink"
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

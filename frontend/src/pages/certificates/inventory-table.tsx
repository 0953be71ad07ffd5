/**
 * The inventory's rows: TanStack Table over only the rows in view, placed by
 * @tanstack/react-virtual, so 100,000 rows scroll like 100. It is its own memoized component
 * because the virtualizer re-renders its owner on every scroll frame: the filters above stay
 * untouched while the rows move.
 */
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import type { Row } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useRef } from 'react';
import { Link } from 'react-router';

import type { CertificateSummary } from '@pki/shared';

import { StateBadge } from '../../components/badge.js';

const ROW_HEIGHT = 44;
/** Rows drawn beyond each edge of the view: enough for a wheel step, few enough that a fling draws little it throws away. */
const OVERSCAN_ROWS = 2;

const column = createColumnHelper<CertificateSummary>();
/** Subject, serial, CA, profile, key, expiry, status. */
const COLUMN_WIDTHS = ['w-[24%]', 'w-[14%]', 'w-[14%]', 'w-[15%]', 'w-[10%]', 'w-[12%]', 'w-[11%]'];
const day = (iso: string) => iso.slice(0, 10);

interface InventoryTableProps {
  rows: CertificateSummary[];
  caNames: ReadonlyMap<string, string>;
  /** Called while fewer than `nearEndRows` loaded rows are left below the view. */
  onNearEnd: () => void;
  nearEndRows: number;
}

export const InventoryTable = memo(function InventoryTable({
  rows,
  caNames,
  onNearEnd,
  nearEndRows,
}: InventoryTableProps) {
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
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN_ROWS,
  });
  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    if (lastIndex >= rows.length - nearEndRows) onNearEnd();
  }, [lastIndex, rows.length, nearEndRows, onNearEnd]);

  // The table models only the rows in view: its row model is rebuilt whenever its data
  // changes, and over every loaded row that would grow with each page a scroll brings in.
  const rowsInView = useMemo(() => rows.slice(firstIndex, lastIndex + 1), [rows, firstIndex, lastIndex]);
  const table = useReactTable({
    data: rowsInView,
    columns,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (row) => row.id,
  });

  return (
    <div
      ref={scroller}
      className="h-[70vh] overflow-auto rounded border border-line bg-panel [contain:strict]"
      data-testid="inventory-scroller"
    >
      {/* The virtualized-table layout of TanStack's examples: the table's parts are grids and
          flex rows, and each drawn row is placed at its offset on its own, so a scroll frame
          lays out the rows it adds and nothing else. Column widths are fixed per column, and a
          narrow screen scrolls the table sideways rather than squeezing seven columns. ARIA counts
          the header row: it is row 1, the certificates start at 2. */}
      <table className="grid w-full min-w-[56rem] text-sm" aria-rowcount={rows.length + 1}>
        <thead className="sticky top-0 z-10 grid bg-panel">
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id} className="flex w-full" aria-rowindex={1}>
              {group.headers.map((header, index) => (
                <th
                  key={header.id}
                  scope="col"
                  className={`${COLUMN_WIDTHS[index] ?? ''} shrink-0 border-b border-line px-3 py-2 text-left font-semibold text-ink`}
                >
                  {flexRender(header.column.columnDef.header, header.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody className="relative grid" style={{ height: virtualizer.getTotalSize() }}>
          {table.getRowModel().rows.map((row, offset) => (
            <InventoryRow key={row.id} row={row} rowIndex={firstIndex + offset} start={items[offset]?.start ?? 0} />
          ))}
        </tbody>
      </table>
    </div>
  );
});

/** One drawn row, placed at its offset from the top of the body. */
function InventoryRow({ row, rowIndex, start }: { row: Row<CertificateSummary>; rowIndex: number; start: number }) {
  return (
    <tr
      aria-rowindex={rowIndex + 2}
      className="absolute flex w-full items-center border-b border-line"
      style={{ height: ROW_HEIGHT, transform: `translateY(${start}px)` }}
      data-testid="inventory-row"
    >
      {row.getVisibleCells().map((cell, index) => (
        <td key={cell.id} className={`${COLUMN_WIDTHS[index] ?? ''} shrink-0 truncate px-3 text-ink`}>
          {flexRender(cell.column.columnDef.cell, cell.getContext())}
        </td>
      ))}
    </tr>
  );
}

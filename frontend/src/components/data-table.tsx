/**
 * A React Aria table of records in the admin pages' frame: the columns by name, one row per
 * item. The first column is the row header, so a row is announced by its name.
 */
import type { Key } from 'react-aria-components';
import type { ReactNode } from 'react';
import { Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';

import { TABLE_CLASSES } from './table-classes.js';

export function DataTable<T extends { id: Key }>({
  label,
  columns,
  items,
  dependencies,
  children,
}: {
  label: string;
  columns: readonly string[];
  items: readonly T[];
  /** Values besides the item that the cells read: rows re-render when these change. */
  dependencies?: readonly unknown[];
  /** The row's cells, one DataCell per column. */
  children: (item: T) => ReactNode;
}) {
  return (
    <div className={TABLE_CLASSES.frame}>
      <Table aria-label={label} className={TABLE_CLASSES.table}>
        <TableHeader>
          {columns.map((name, index) => (
            <Column key={name} isRowHeader={index === 0} className={TABLE_CLASSES.column}>
              {name}
            </Column>
          ))}
        </TableHeader>
        <TableBody items={items} {...(dependencies === undefined ? {} : { dependencies })}>
          {(item) => (
            <Row id={item.id} className={TABLE_CLASSES.row}>
              {children(item)}
            </Row>
          )}
        </TableBody>
      </Table>
    </div>
  );
}

/** One cell of a DataTable row; `className` adds to the house cell look. */
export function DataCell({ className, children }: { className?: string; children: ReactNode }) {
  return (
    <Cell className={className === undefined ? TABLE_CLASSES.cell : `${TABLE_CLASSES.cell} ${className}`}>
      {children}
    </Cell>
  );
}

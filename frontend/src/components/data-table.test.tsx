// @vitest-environment happy-dom
import { cleanup, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';

import { Button } from './button.js';
import { DataCell, DataTable } from './data-table.js';

afterEach(cleanup);

const KEYS = [
  { id: 'k1', label: 'root-key', state: 'active' },
  { id: 'k2', label: 'old-key', state: 'revoked' },
];

function Keys({ marked }: { marked: string }) {
  return (
    <DataTable label="Keys" columns={['Label', 'State']} items={KEYS} dependencies={[marked]}>
      {(key) => (
        <>
          <DataCell className="font-semibold">{key.label}</DataCell>
          <DataCell>{key.id === marked ? `${key.state} (marked)` : key.state}</DataCell>
        </>
      )}
    </DataTable>
  );
}

function Harness() {
  const [marked, setMarked] = useState('k1');
  return (
    <>
      <Keys marked={marked} />
      <Button onPress={() => setMarked('k2')}>Mark the second</Button>
    </>
  );
}

describe('DataTable', () => {
  it('names its columns, heads each row with the first cell, and gives each row its cells', () => {
    render(<Keys marked="k1" />);
    const table = screen.getByRole('grid', { name: 'Keys' });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((header) => header.textContent),
    ).toEqual(['Label', 'State']);
    expect(
      within(table)
        .getAllByRole('rowheader')
        .map((header) => header.textContent),
    ).toEqual(['root-key', 'old-key']);
    const oldKey = screen.getByRole('row', { name: /old-key/ });
    expect(within(oldKey).getByRole('gridcell').textContent).toBe('revoked');
    expect(within(oldKey).getByRole('rowheader').className).toContain('font-semibold');
  });

  it('re-renders rows when a dependency changes', async () => {
    render(<Harness />);
    expect(screen.getByText('active (marked)')).toBeTruthy();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Mark the second' }));
    expect(screen.getByText('revoked (marked)')).toBeTruthy();
    expect(screen.queryByText('active (marked)')).toBeNull();
  });
});

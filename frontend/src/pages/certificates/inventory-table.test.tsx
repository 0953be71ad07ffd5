// @vitest-environment happy-dom
/**
 * The inventory's drawn rows name their own certificates wherever the list is scrolled, and
 * a focused link never ends up naming another certificate: the guard for any change to how
 * rows are keyed or drawn (recycling rows' elements was measured and not kept, see
 * docs/ARCHITECTURE.md on the inventory). Scrolling speed is `pnpm bench console-inventory`'s.
 */
import { act, cleanup, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { CertificateSummary } from '@pki/shared';

import { InventoryTable } from './inventory-table.js';

const ROW_HEIGHT = 44;
const VIEW_HEIGHT = 10 * ROW_HEIGHT;

function certificate(index: number): CertificateSummary {
  return {
    id: `cert-${index}`,
    caId: 'ca-1',
    serialHex: index.toString(16).padStart(4, '0'),
    subjectDn: `CN=host-${index}.example.test`,
    commonName: `host-${index}.example.test`,
    sans: [],
    profile: 'tls-server',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    status: index % 3 === 0 ? 'revoked' : 'active',
    revocationReason: null,
    revokedAt: null,
    keyId: null,
    keyAlgorithm: 'ec-p256',
    canExportPrivateKey: false,
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

const ROWS = Array.from({ length: 1000 }, (_, index) => certificate(index));

// happy-dom lays nothing out: the scroller is given the height of ten rows.
beforeEach(() => {
  const isScroller = (element: HTMLElement) => element.dataset['testid'] === 'inventory-scroller';
  vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockImplementation(function (this: HTMLElement) {
    return isScroller(this) ? VIEW_HEIGHT : 0;
  });
  vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(900);
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function renderTable() {
  render(
    <MemoryRouter>
      <InventoryTable
        rows={ROWS}
        caNames={new Map([['ca-1', 'Issuing CA']])}
        onNearEnd={() => undefined}
        nearEndRows={50}
      />
    </MemoryRouter>,
  );
  const scroller = screen.getByTestId('inventory-scroller');
  const scrollTo = (row: number) =>
    act(() => {
      scroller.scrollTop = row * ROW_HEIGHT;
      scroller.dispatchEvent(new Event('scroll'));
    });
  return { scrollTo };
}

/** Each drawn row: its position (aria-rowindex counts the header as 1) and the certificate it names. */
function drawnRows() {
  return screen.getAllByTestId('inventory-row').map((row) => ({
    index: Number(row.getAttribute('aria-rowindex')) - 2,
    subject: row.querySelector('a')?.textContent,
    href: row.querySelector('a')?.getAttribute('href'),
    serial: row.querySelector('code')?.textContent,
    status: row.lastElementChild?.textContent,
  }));
}

function expectRowsMatchTheirCertificates() {
  const rows = drawnRows();
  expect(rows.length).toBeGreaterThanOrEqual(10);
  for (const row of rows) {
    const expected = certificate(row.index);
    expect(row).toMatchObject({
      subject: expected.commonName,
      href: `/certificates/${expected.id}`,
      serial: expected.serialHex,
      status: expected.status,
    });
  }
  return rows;
}

describe('InventoryTable', () => {
  it('draws the rows in view, each naming its own certificate, wherever it is scrolled', () => {
    const { scrollTo } = renderTable();
    const first = expectRowsMatchTheirCertificates();
    expect(first[0]?.index).toBe(0);
    for (const row of [3, 500, 501, 120, 990]) {
      scrollTo(row);
      const rows = expectRowsMatchTheirCertificates();
      expect(rows.some((drawn) => drawn.index === row)).toBe(true);
    }
  });

  it('does not leave keyboard focus on a link that now names another certificate', () => {
    const { scrollTo } = renderTable();
    const link = screen.getByRole('link', { name: 'host-0.example.test' });
    link.focus();
    expect(document.activeElement).toBe(link);
    scrollTo(500);
    expect(document.activeElement?.textContent).not.toMatch(/^host-(?!0\.)/);
    expect(link.isConnected).toBe(false);
  });
});

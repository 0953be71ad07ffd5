// @vitest-environment happy-dom
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes, useParams } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';

import type { CaSummary } from '@pki/shared';

import { buildCaTree } from './ca-tree.js';
import { CaTreeView } from './ca-tree-view.js';

afterEach(cleanup);

function ca(id: string, parentId: string | null, overrides: Partial<CaSummary> = {}): CaSummary {
  return {
    id,
    name: id,
    parentId,
    keyId: `key-${id}`,
    keyAlgorithm: 'ec-p384',
    subjectDn: `CN=${id}`,
    serialHex: '01',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2036-01-01T00:00:00.000Z',
    pathLength: null,
    status: 'active',
    isRoot: parentId === null,
    revocationReason: null,
    revokedAt: null,
    crlNumber: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const HIERARCHY = [
  ca('issuing-b', 'root'),
  ca('root', null),
  ca('issuing-a', 'root', { status: 'revoked' }),
  ca('tls', 'issuing-a', { keyAlgorithm: 'rsa-2048' }),
  ca('external-sub', 'not-ours', { status: 'pending', isRoot: false, serialHex: null }),
];

function DetailProbe() {
  return <p>detail of {useParams().caId}</p>;
}

function renderTree(cas: CaSummary[]) {
  render(
    <MemoryRouter initialEntries={['/certificate-authorities']}>
      <Routes>
        <Route path="/certificate-authorities" element={<CaTreeView cas={cas} />} />
        <Route path="/certificate-authorities/:caId" element={<DetailProbe />} />
      </Routes>
    </MemoryRouter>,
  );
}

describe('buildCaTree', () => {
  it('nests CAs under their parents, sorted by name, and keeps a CA of an external root at the top', () => {
    const tree = buildCaTree(HIERARCHY);
    expect(tree.map((node) => node.ca.id)).toEqual(['external-sub', 'root']);
    const root = tree[1];
    expect(root?.children.map((node) => node.ca.id)).toEqual(['issuing-a', 'issuing-b']);
    expect(root?.children[0]?.children.map((node) => node.ca.id)).toEqual(['tls']);
  });
});

describe('CaTreeView', () => {
  it('is an ARIA tree with each CA at its level, expanded, its state in words', () => {
    renderTree(HIERARCHY);
    const tree = screen.getByRole('treegrid', { name: 'Certificate authority hierarchy' });
    const rows = within(tree).getAllByRole('row');
    expect(
      rows.map((row) => [row.getAttribute('aria-level'), row.querySelector('[data-ca-name]')?.textContent]),
    ).toEqual([
      ['1', 'external-sub'],
      ['1', 'root'],
      ['2', 'issuing-a'],
      ['3', 'tls'],
      ['2', 'issuing-b'],
    ]);
    const issuingA = rows[2];
    expect(issuingA?.getAttribute('aria-expanded')).toBe('true');
    expect(issuingA?.textContent).toContain('revoked');
    expect(rows[3]?.textContent).toContain('RSA 2048');
    expect(rows[0]?.textContent).toContain('awaiting its certificate');
  });

  it('collapses a branch and opens a CA with the keyboard', async () => {
    const user = userEvent.setup();
    renderTree(HIERARCHY);
    const issuingA = screen.getAllByRole('row')[2];
    if (issuingA === undefined) throw new Error('no row for issuing-a');
    await user.click(within(issuingA).getByRole('button'));
    expect(issuingA.getAttribute('aria-expanded')).toBe('false');
    expect(screen.getAllByRole('row')).toHaveLength(4);

    await user.keyboard('{ArrowDown}');
    await user.keyboard('{Enter}');
    expect(await screen.findByText(/detail of /)).toBeTruthy();
  });
});

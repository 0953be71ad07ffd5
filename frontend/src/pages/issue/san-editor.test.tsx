// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';

import type { SanEntry } from '@pki/shared';

import { SanEditor, areSanRowsValid } from './san-editor.js';

afterEach(cleanup);

function Harness({
  initial = [],
  allowed,
  csrSans,
}: {
  initial?: SanEntry[];
  allowed?: ('dns' | 'ip' | 'email' | 'uri')[];
  csrSans?: string[];
}) {
  const [rows, setRows] = useState<SanEntry[]>(initial);
  return (
    <>
      <SanEditor
        rows={rows}
        onChange={setRows}
        {...(allowed ? { allowedTypes: allowed } : {})}
        {...(csrSans ? { csrSans } : {})}
      />
      <output data-testid="rows">{JSON.stringify(rows)}</output>
    </>
  );
}

describe('SanEditor', () => {
  it('adds a row, validates it as typed with the server rules, and removes it', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(screen.getByRole('button', { name: 'Add name' }));
    const value = screen.getByLabelText('Name 1');
    await user.type(value, 'bad_host');
    expect(value.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('not a valid host name')).toBeTruthy();
    await user.clear(value);
    await user.type(value, 'www.example.com');
    expect(screen.queryByText('not a valid host name')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Remove name 1' }));
    expect(screen.getByTestId('rows').textContent).toBe('[]');
  });

  it('checks each type by its own rule', async () => {
    const user = userEvent.setup();
    render(<Harness initial={[{ type: 'dns', value: '' }]} />);
    await user.selectOptions(screen.getByLabelText('Type of name 1'), 'ip');
    await user.type(screen.getByLabelText('Name 1'), '300.1.1.1');
    expect(screen.getByText('not an IPv4 or IPv6 address')).toBeTruthy();
    await user.clear(screen.getByLabelText('Name 1'));
    await user.type(screen.getByLabelText('Name 1'), '2001:db8::1');
    expect(screen.queryByText('not an IPv4 or IPv6 address')).toBeNull();
  });

  it('flags a type the profile does not allow', () => {
    render(<Harness initial={[{ type: 'email', value: 'a@example.com' }]} allowed={['dns', 'ip']} />);
    expect(screen.getByText('Email names are not allowed by this profile')).toBeTruthy();
  });

  it('asks for names when there is no CSR, or the CSR carries none', () => {
    render(<Harness csrSans={[]} />);
    expect(screen.getByText(/^No names yet/)).toBeTruthy();
  });

  it("shows the CSR's names as the ones used while none is edited, and that edited rows replace them", async () => {
    const user = userEvent.setup();
    render(<Harness csrSans={['dns:web.example.test', 'ip:192.0.2.10']} />);
    expect(screen.queryByText(/No names yet/)).toBeNull();
    const used = screen.getByText(/The CSR's names are used/);
    expect(used.textContent).toContain('dns:web.example.test, ip:192.0.2.10');
    expect(used.textContent).toContain('Names added here replace them.');

    await user.click(screen.getByRole('button', { name: 'Add name' }));
    expect(screen.queryByText(/The CSR's names are used/)).toBeNull();
    expect(screen.getByText(/These names replace the CSR's/).textContent).toContain('dns:web.example.test');

    await user.click(screen.getByRole('button', { name: 'Remove name 1' }));
    expect(screen.getByText(/The CSR's names are used/)).toBeTruthy();
  });

  it('counts empty or wrong rows as not ready', () => {
    expect(areSanRowsValid([{ type: 'dns', value: '*.example.com' }])).toBe(true);
    expect(areSanRowsValid([{ type: 'dns', value: '' }])).toBe(false);
    expect(areSanRowsValid([{ type: 'uri', value: 'not a uri' }])).toBe(false);
  });
});

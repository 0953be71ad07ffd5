// @vitest-environment happy-dom
import { cleanup, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';

import type { DestroyKeyInput } from '@pki/shared';

import { DestroyKeyDialog, type DestroyKeyDialogProps } from './destroy-key-dialog.js';

afterEach(cleanup);

const SIGNING_CA = {
  keyId: 'key-1',
  cas: [{ id: 'ca-1', name: 'Issuing CA', status: 'active' as const, liveCertificateCount: 2 }],
};

function renderDialog(overrides: Partial<DestroyKeyDialogProps> = {}) {
  const submitted: DestroyKeyInput[] = [];
  render(
    <MemoryRouter>
      <DestroyKeyDialog
        keyId="key-1"
        keyLabel="issuing-ca-key"
        dependents={SIGNING_CA}
        isDualControlEnabled={false}
        isOpen
        onOpenChange={() => undefined}
        onDestroy={async (input) => void submitted.push(input)}
        {...overrides}
      />
    </MemoryRouter>,
  );
  return { submitted, dialog: screen.getByRole('alertdialog', { name: 'Destroy key issuing-ca-key' }) };
}

// Typing a label key by key is slow on a busy two-core box; the default 5 s is not about the dialog.
describe('DestroyKeyDialog', { timeout: 20_000 }, () => {
  it('states what stops working before anything is typed', () => {
    const { dialog } = renderDialog();
    expect(dialog.textContent).toContain('CA Issuing CA can no longer sign: no new certificates, no CRL, no OCSP.');
    expect(dialog.textContent).toContain('This cannot be undone');
  });

  it('offers destruction only once the label is typed back exactly and forcing has a reason', async () => {
    const user = userEvent.setup();
    const { dialog, submitted } = renderDialog();
    const destroy = within(dialog).getByRole('button', { name: 'Destroy key' });
    const label = within(dialog).getByRole('textbox', { name: /Type the key's label/ });

    await user.type(label, 'issuing-ca-ke');
    expect(destroy.hasAttribute('disabled')).toBe(true);
    await user.type(label, 'y');
    // Two live certificates: the server refuses unless forced with a reason.
    expect(destroy.hasAttribute('disabled')).toBe(true);
    await user.click(within(dialog).getByRole('checkbox', { name: /Destroy it anyway/ }));
    await user.type(within(dialog).getByRole('textbox', { name: /Why it must be destroyed now/ }), 'compromised HSM');
    expect(destroy.hasAttribute('disabled')).toBe(false);

    await user.click(destroy);
    expect(submitted).toEqual([
      { keyId: 'key-1', confirmLabel: 'issuing-ca-key', isForced: true, forceReason: 'compromised HSM' },
    ]);
    expect((await within(dialog).findByRole('status')).textContent).toBe('Key issuing-ca-key is destroyed.');
  });

  it('shows a request held by dual control as pending approval, not as a failure', async () => {
    const user = userEvent.setup();
    const heldError = Object.assign(new Error('Dual control is on: keys.destroy was stored as approval ap-9.'), {
      data: { appCode: 'APPROVAL_REQUIRED', requestId: 'req-1' },
    });
    const { dialog } = renderDialog({
      dependents: { keyId: 'key-1', cas: [] },
      isDualControlEnabled: true,
      onDestroy: () => Promise.reject(heldError),
    });
    await user.type(within(dialog).getByRole('textbox', { name: /Type the key's label/ }), 'issuing-ca-key');
    await user.click(within(dialog).getByRole('button', { name: 'Request destruction' }));
    const status = await within(dialog).findByRole('status');
    expect(status.textContent).toContain('Pending approval by a second admin');
    expect(status.textContent).toContain('approval ap-9');
    expect(within(dialog).queryByRole('alert')).toBeNull();
  });

  it("shows the server's refusal with its request id", async () => {
    const user = userEvent.setup();
    const refusal = Object.assign(new Error('The key store is unavailable; try again later.'), {
      data: { appCode: 'KMS_UNAVAILABLE', requestId: 'req-42' },
    });
    const { dialog } = renderDialog({
      dependents: { keyId: 'key-1', cas: [] },
      onDestroy: () => Promise.reject(refusal),
    });
    await user.type(within(dialog).getByRole('textbox', { name: /Type the key's label/ }), 'issuing-ca-key');
    await user.click(within(dialog).getByRole('button', { name: 'Destroy key' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toContain('The key store is unavailable; try again later.');
    expect(alert.textContent).toContain('req-42');
  });
});

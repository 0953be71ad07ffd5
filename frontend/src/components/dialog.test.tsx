// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ConfirmDialog } from './dialog.js';

afterEach(cleanup);

function renderConfirm(typedConfirmation?: string) {
  const onConfirm = vi.fn();
  render(
    <ConfirmDialog
      title="Destroy key"
      isOpen
      onOpenChange={() => {}}
      confirmLabel="Destroy"
      onConfirm={onConfirm}
      typedConfirmation={typedConfirmation}
    >
      The key material is erased.
    </ConfirmDialog>,
  );
  return onConfirm;
}

describe('ConfirmDialog', () => {
  it('is an alert dialog named by its title', () => {
    renderConfirm();
    expect(screen.getByRole('alertdialog', { name: 'Destroy key' })).toBeTruthy();
  });

  it('offers the action only once the word is typed back', async () => {
    const user = userEvent.setup();
    const onConfirm = renderConfirm('root-ca');
    const confirm = screen.getByRole('button', { name: 'Destroy' });
    expect(confirm.hasAttribute('disabled')).toBe(true);

    await user.type(screen.getByRole('textbox', { name: /Type root-ca to confirm/ }), 'root-c');
    expect(confirm.hasAttribute('disabled')).toBe(true);
    await user.type(screen.getByRole('textbox'), 'a');
    expect(confirm.hasAttribute('disabled')).toBe(false);

    await user.click(confirm);
    expect(onConfirm).toHaveBeenCalledOnce();
  });
});

// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';

import { TokenSecret } from './token-secret.js';

afterEach(cleanup);

describe('TokenSecret', () => {
  it('shows the secret once and copies it to the clipboard', async () => {
    const user = userEvent.setup();
    let isDone = false;
    render(
      <TokenSecret
        name="ci"
        secret="pki_abc_s3cret"
        expiresAt="2027-01-01T00:00:00.000Z"
        onDone={() => {
          isDone = true;
        }}
      />,
    );
    expect(screen.getByLabelText('Token secret').textContent).toBe('pki_abc_s3cret');
    expect(screen.getByRole('status').textContent).toContain('it is not shown again');
    await user.click(screen.getByRole('button', { name: 'Copy secret' }));
    expect(await navigator.clipboard.readText()).toBe('pki_abc_s3cret');
    expect(await screen.findByText('Copied.')).toBeDefined();
    await user.click(screen.getByRole('button', { name: 'I have stored it' }));
    expect(isDone).toBe(true);
  });
});

// @vitest-environment happy-dom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { CreatePrincipalForm, type Principal } from './create-principal-form.js';

afterEach(cleanup);

function renderForm(create: (principal: Principal) => Promise<string>, canSubmit = true) {
  const onCreated = vi.fn();
  render(
    <QueryClientProvider client={new QueryClient()}>
      <CreatePrincipalForm
        title="Create a robot"
        nameLabel="Name"
        submitLabel="Create robot"
        failureTitle="The robot was not created"
        canSubmit={canSubmit}
        create={create}
        onCreated={onCreated}
        outcome={null}
      >
        <span>its own field</span>
      </CreatePrincipalForm>
    </QueryClientProvider>,
  );
  return onCreated;
}

describe('CreatePrincipalForm', () => {
  it('creates with the name and the role, then clears the name', async () => {
    const user = userEvent.setup();
    const create = vi.fn((principal: Principal) => Promise.resolve(`made ${principal.name}`));
    const onCreated = renderForm(create);
    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'ci-bot');
    await user.click(screen.getByRole('button', { name: 'Create robot' }));
    expect(create).toHaveBeenCalledWith({ name: 'ci-bot', role: 'operator' });
    expect(onCreated).toHaveBeenCalledWith('made ci-bot', { name: 'ci-bot', role: 'operator' });
    expect(screen.getByRole<HTMLInputElement>('textbox', { name: 'Name' }).value).toBe('');
  });

  it("keeps the name and shows the server's refusal when creation fails", async () => {
    const user = userEvent.setup();
    const onCreated = renderForm(() => Promise.reject(new Error('name taken')));
    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'ci-bot');
    await user.click(screen.getByRole('button', { name: 'Create robot' }));
    expect(screen.getByRole('alert').textContent).toContain('The robot was not created');
    expect(screen.getByRole('alert').textContent).toContain('name taken');
    expect(screen.getByRole<HTMLInputElement>('textbox', { name: 'Name' }).value).toBe('ci-bot');
    expect(onCreated).not.toHaveBeenCalled();
  });

  it('offers no submit while its own field is invalid', () => {
    renderForm(() => Promise.resolve('never'), false);
    expect(screen.getByRole('button', { name: 'Create robot' }).hasAttribute('disabled')).toBe(true);
  });
});

// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { ChoiceInput } from './form-fields.js';

afterEach(cleanup);

const ROLES = [
  { id: 'admin', label: 'Admin' },
  { id: 'operator', label: 'Operator' },
] as const;

describe('ChoiceInput', () => {
  it('shows its label by default', () => {
    render(<ChoiceInput label="Role" choices={ROLES} value="operator" onChange={() => undefined} />);
    expect(screen.getByText('Role').classList.contains('sr-only')).toBe(false);
  });

  it('hides a hidden label from sight only, so it still names the control', () => {
    render(
      <ChoiceInput label="Role of bob" choices={ROLES} value="operator" onChange={() => undefined} isLabelHidden />,
    );
    const label = screen.getByText('Role of bob');
    expect(label.classList.contains('sr-only')).toBe(true);
    const trigger = screen.getByRole('button', { name: /Role of bob$/ });
    expect(trigger.getAttribute('aria-labelledby')?.split(' ')).toContain(label.id);
  });
});

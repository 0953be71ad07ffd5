// @vitest-environment happy-dom
import { cleanup, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';

import type { UserRole } from '@pki/shared';

import { canTake, isSectionAllowed } from './navigation.js';
import { RoleNavigation } from './role-navigation.js';

afterEach(cleanup);

function linksFor(role: UserRole, at = '/'): string[] {
  render(
    <MemoryRouter initialEntries={[at]}>
      <RoleNavigation role={role} />
    </MemoryRouter>,
  );
  const navigation = screen.getByRole('navigation', { name: 'Main' });
  return within(navigation)
    .getAllByRole('link')
    .map((link) => link.textContent ?? '');
}

describe('RoleNavigation', () => {
  it('offers an admin every section, Users included', () => {
    expect(linksFor('admin')).toEqual([
      'Dashboard',
      'Certificates',
      'Certificate authorities',
      'Keys',
      'Approvals',
      'Audit log',
      'Users',
    ]);
  });

  it('offers an operator neither key administration nor users', () => {
    expect(linksFor('operator')).toEqual(['Dashboard', 'Certificates', 'Certificate authorities']);
  });

  it('offers an auditor the audit log but not keys or users', () => {
    expect(linksFor('auditor')).toEqual(['Dashboard', 'Certificates', 'Certificate authorities', 'Audit log']);
  });

  it('marks the current section for assistive technology', () => {
    render(
      <MemoryRouter initialEntries={['/audit-log']}>
        <RoleNavigation role="auditor" />
      </MemoryRouter>,
    );
    const current = screen.getByRole('link', { current: 'page' });
    expect(current.textContent).toBe('Audit log');
  });
});

describe('what each role is offered', () => {
  it.each([
    ['admin', true, true],
    ['operator', true, false],
    ['auditor', false, false],
  ] as const)('%s: issue and revoke %s, destroy keys %s', (role, canIssueAndRevoke, canDestroy) => {
    expect(canTake(role, 'issueCertificate')).toBe(canIssueAndRevoke);
    expect(canTake(role, 'revokeCertificate')).toBe(canIssueAndRevoke);
    expect(canTake(role, 'revokeOrDestroyKey')).toBe(canDestroy);
  });

  it('refuses a section reached by address to a role it is not offered', () => {
    expect(isSectionAllowed('/keys', 'operator')).toBe(false);
    expect(isSectionAllowed('/users', 'auditor')).toBe(false);
    expect(isSectionAllowed('/audit-log', 'auditor')).toBe(true);
    // Addresses that are no section (the 404 page) are not refused.
    expect(isSectionAllowed('/no-such-page', 'auditor')).toBe(true);
  });
});

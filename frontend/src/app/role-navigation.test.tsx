// @vitest-environment happy-dom
import { cleanup, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';

import { CONSOLE_PROCEDURES, isAllowed, USER_ROLES } from '@pki/shared';
import type { UserRole } from '@pki/shared';

import { canTake, isSectionAllowed, SECTIONS, sectionsFor } from './navigation.js';
import type { Action } from './navigation.js';
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
  ] as const)('%s: issue and revoke %s, manage CAs and keys %s', (role, canIssueAndRevoke, canAdminister) => {
    expect(canTake(role, 'issueCertificate')).toBe(canIssueAndRevoke);
    expect(canTake(role, 'revokeCertificate')).toBe(canIssueAndRevoke);
    expect(canTake(role, 'revokeOrDestroyKey')).toBe(canAdminister);
    expect(canTake(role, 'manageCertificateAuthorities')).toBe(canAdminister);
  });

  it('offers the key-custody evidence to those who may read the audit log, not to operators', () => {
    expect(canTake('auditor', 'viewKeyCustody')).toBe(true);
    expect(canTake('admin', 'viewKeyCustody')).toBe(true);
    expect(canTake('operator', 'viewKeyCustody')).toBe(false);
  });

  // The offer is derived, not listed: for every role, section and action it is exactly what
  // the shared role table grants for the permission of the procedure it stands on.
  it.each(USER_ROLES)('%s is offered exactly what the role table grants', (role) => {
    for (const section of SECTIONS) {
      const permission = CONSOLE_PROCEDURES[section.entry].permission;
      expect(isSectionAllowed(section.path, role), `${role} ${section.path}`).toBe(isAllowed(role, permission));
      expect(sectionsFor(role).includes(section)).toBe(isAllowed(role, permission));
    }
    const actions: Action[] = [
      'issueCertificate',
      'revokeCertificate',
      'manageCertificateAuthorities',
      'revokeOrDestroyKey',
      'viewKeyCustody',
    ];
    for (const action of actions) {
      expect(canTake(role, action), `${role} ${action}`).toBe(isAllowed(role, CONSOLE_PROCEDURES[action].permission));
    }
  });

  it('refuses a section reached by address to a role it is not offered', () => {
    expect(isSectionAllowed('/keys', 'operator')).toBe(false);
    expect(isSectionAllowed('/users', 'auditor')).toBe(false);
    expect(isSectionAllowed('/audit-log', 'auditor')).toBe(true);
    // Addresses that are no section (the 404 page) are not refused.
    expect(isSectionAllowed('/no-such-page', 'auditor')).toBe(true);
  });
});

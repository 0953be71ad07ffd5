import { Link } from 'react-router';

import type { UserRole } from '@pki/shared';

import { pageTitle, ROLE_LABELS } from '../app/navigation.js';

export function ForbiddenPage({ role }: { role: UserRole }) {
  return (
    <>
      <title>{pageTitle('Not available')}</title>
      <header className="page-header">
        <h1>Not available to your role</h1>
        <p className="page-lead">
          The {ROLE_LABELS[role].toLowerCase()} role does not include this section. An administrator can change your
          role.
        </p>
      </header>
      <p>
        <Link to="/">Go to the dashboard</Link>
      </p>
    </>
  );
}

import { NavLink } from 'react-router';

import type { UserRole } from '@pki/shared';

import { sectionsFor } from './navigation.js';

/** The main navigation: only the sections the role is offered. */
export function RoleNavigation({ role }: { role: UserRole }) {
  return (
    <nav className="app-nav" aria-label="Main">
      <ul>
        {sectionsFor(role).map((section) => (
          <li key={section.path}>
            {/* NavLink sets aria-current="page" on the active entry; `end` keeps "/" from matching everything. */}
            <NavLink to={section.path} end={section.path === '/'}>
              {section.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

import { Link, NavLink, Outlet } from 'react-router';

import { KmsStatusBadge } from './kms-status-badge.js';
import { SECTIONS } from './navigation.js';

export function Layout() {
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="app-header">
        <Link className="brand" to="/">
          <img className="brand-mark" src="/favicon.svg" alt="" width={28} height={28} />
          <span className="brand-name">PKI Manager</span>
        </Link>
        <KmsStatusBadge />
      </header>
      <div className="app-body">
        <nav className="app-nav" aria-label="Main">
          <ul>
            {SECTIONS.map((section) => (
              <li key={section.path}>
                {/* NavLink sets aria-current="page" on the active entry; `end` keeps "/" from matching everything. */}
                <NavLink to={section.path} end={section.path === '/'}>
                  {section.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" className="app-main" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </div>
  );
}

import { Link, Outlet } from 'react-router';

import { useSignedInUser } from '../auth/session.js';
import { SignOutButton } from '../auth/sign-out-button.js';
import { ToastRegion } from '../components/toast.js';
import { ThemeToggle } from '../theme/theme-toggle.js';
import { KmsStatusBadge } from './kms-status-badge.js';
import { ROLE_LABELS } from './navigation.js';
import { RoleNavigation } from './role-navigation.js';

export function Layout() {
  const user = useSignedInUser();
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
        <div className="ml-auto flex flex-wrap items-center gap-2">
          <p className="m-0 text-sm" aria-label={`Signed in as ${user.username}, role ${ROLE_LABELS[user.role]}`}>
            <span className="font-semibold">{user.username}</span>{' '}
            <span className="rounded-full border border-white/25 px-2 py-0.5 text-xs">{ROLE_LABELS[user.role]}</span>
          </p>
          <ThemeToggle />
          <SignOutButton />
        </div>
      </header>
      <div className="app-body">
        <RoleNavigation role={user.role} />
        <main id="main" className="app-main" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
      <ToastRegion />
    </div>
  );
}

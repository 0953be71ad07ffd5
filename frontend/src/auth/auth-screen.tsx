import type { ReactNode } from 'react';

import { pageTitle } from '../app/navigation.js';
import { ThemeToggle } from '../theme/theme-toggle.js';

/** The frame of the screens before the shell: sign-in and the first-run password change. */
export function AuthScreen({
  title,
  lead,
  children,
  aside,
}: {
  title: string;
  lead: ReactNode;
  children: ReactNode;
  aside?: ReactNode;
}) {
  return (
    <div className="flex min-h-screen flex-col">
      <title>{pageTitle(title)}</title>
      <header className="app-header">
        <span className="brand">
          <img className="brand-mark" src="/favicon.svg" alt="" width={28} height={28} />
          <span className="brand-name">PKI Manager</span>
        </span>
        <div className="ml-auto flex items-center gap-2">
          {aside}
          <ThemeToggle />
        </div>
      </header>
      <main id="main" className="flex flex-1 items-start justify-center px-4 py-12">
        <section
          className="w-full max-w-sm rounded-lg border border-line bg-panel p-6 shadow-sm"
          aria-labelledby="auth-title"
        >
          <h1 id="auth-title" className="m-0 text-2xl font-semibold text-ink">
            {title}
          </h1>
          <div className="mt-1 mb-5 text-sm text-ink-muted">{lead}</div>
          {children}
        </section>
      </main>
    </div>
  );
}

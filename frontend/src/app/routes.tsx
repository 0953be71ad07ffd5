import type { ReactNode } from 'react';
import { createBrowserRouter } from 'react-router';

import { RequireSession } from '../auth/session.js';
import { AuditLogPage } from '../pages/audit-log-page.js';
import { CertificateAuthoritiesPage } from '../pages/certificate-authorities-page.js';
import { CertificatesPage, certificateRoutes } from '../pages/certificates-page.js';
import { DashboardPage } from '../pages/dashboard-page.js';
import { KeysPage } from '../pages/keys-page.js';
import { NotFoundPage } from '../pages/not-found-page.js';
import { RouteErrorPage } from '../pages/route-error-page.js';
import { SignInPage } from '../pages/sign-in-page.js';
import { UsersPage } from '../pages/users-page.js';
import { Layout } from './layout.js';
import { RequireRole } from './require-role.js';

function section(path: string, page: ReactNode) {
  return { path: path.slice(1), element: <RequireRole path={path}>{page}</RequireRole> };
}

export function createAppRouter() {
  return createBrowserRouter([
    { path: '/sign-in', element: <SignInPage />, errorElement: <RouteErrorPage /> },
    {
      path: '/',
      element: (
        <RequireSession>
          <Layout />
        </RequireSession>
      ),
      children: [
        {
          // A pathless route holds the error boundary inside the layout, so a failing page
          // keeps the navigation and the status badge on screen.
          errorElement: <RouteErrorPage />,
          children: [
            { index: true, element: <DashboardPage /> },
            section('/certificates', <CertificatesPage />),
            ...certificateRoutes.map((route) => ({
              path: `certificates/${route.path}`,
              element: <RequireRole path="/certificates">{route.element}</RequireRole>,
            })),
            section('/certificate-authorities', <CertificateAuthoritiesPage />),
            section('/keys', <KeysPage />),
            section('/audit-log', <AuditLogPage />),
            section('/users', <UsersPage />),
            { path: '*', element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ]);
}

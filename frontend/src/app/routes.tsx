import { createBrowserRouter } from 'react-router';

import { AuditLogPage } from '../pages/audit-log-page.js';
import { CertificateAuthoritiesPage } from '../pages/certificate-authorities-page.js';
import { CertificatesPage } from '../pages/certificates-page.js';
import { DashboardPage } from '../pages/dashboard-page.js';
import { KeysPage } from '../pages/keys-page.js';
import { NotFoundPage } from '../pages/not-found-page.js';
import { RouteErrorPage } from '../pages/route-error-page.js';
import { Layout } from './layout.js';

export function createAppRouter() {
  return createBrowserRouter([
    {
      path: '/',
      element: <Layout />,
      children: [
        {
          // A pathless route holds the error boundary inside the layout, so a failing page
          // keeps the navigation and the status badge on screen.
          errorElement: <RouteErrorPage />,
          children: [
            { index: true, element: <DashboardPage /> },
            { path: 'certificates', element: <CertificatesPage /> },
            { path: 'certificate-authorities', element: <CertificateAuthoritiesPage /> },
            { path: 'keys', element: <KeysPage /> },
            { path: 'audit-log', element: <AuditLogPage /> },
            { path: '*', element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ]);
}

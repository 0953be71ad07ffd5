import { lazy, Suspense, type ComponentType, type ReactNode } from 'react';
import { createBrowserRouter } from 'react-router';

import { RequireSession } from '../auth/session.js';
import { PageSkeleton } from '../components/skeleton.js';
import { NotFoundPage } from '../pages/not-found-page.js';
import { RouteErrorPage } from '../pages/route-error-page.js';
import { Layout } from './layout.js';
import { RequireRole } from './require-role.js';

/**
 * Each page is its own chunk, loaded when first visited: signing in does not download the
 * charts of the dashboard nor the tables of the inventory.
 */
function lazyPage<Module>(load: () => Promise<Module>, pick: (module: Module) => ComponentType) {
  const Page = lazy(async () => ({ default: pick(await load()) }));
  return (
    <Suspense fallback={<PageSkeleton />}>
      <Page />
    </Suspense>
  );
}

const pages = {
  signIn: () =>
    lazyPage(
      () => import('../pages/sign-in-page.js'),
      (m) => m.SignInPage,
    ),
  dashboard: () =>
    lazyPage(
      () => import('../pages/dashboard-page.js'),
      (m) => m.DashboardPage,
    ),
  certificates: () =>
    lazyPage(
      () => import('../pages/certificates-page.js'),
      (m) => m.CertificatesPage,
    ),
  issueCertificate: () =>
    lazyPage(
      () => import('../pages/issue/issue-wizard.js'),
      (m) => m.IssueWizard,
    ),
  certificate: () =>
    lazyPage(
      () => import('../pages/certificates/certificate-detail.js'),
      (m) => m.CertificateDetail,
    ),
  certificateAuthorities: () =>
    lazyPage(
      () => import('../pages/certificate-authorities-page.js'),
      (m) => m.CertificateAuthoritiesPage,
    ),
  certificateAuthority: () =>
    lazyPage(
      () => import('../pages/certificate-authorities-page.js'),
      (m) => m.CertificateAuthorityDetailPage,
    ),
  keys: () =>
    lazyPage(
      () => import('../pages/keys-page.js'),
      (m) => m.KeysPage,
    ),
  approvals: () =>
    lazyPage(
      () => import('../pages/approvals-page.js'),
      (m) => m.ApprovalsPage,
    ),
  auditLog: () =>
    lazyPage(
      () => import('../pages/audit-log-page.js'),
      (m) => m.AuditLogPage,
    ),
  users: () =>
    lazyPage(
      () => import('../pages/users-page.js'),
      (m) => m.UsersPage,
    ),
};

function section(path: string, page: ReactNode, sectionPath = path) {
  return { path: path.slice(1), element: <RequireRole path={sectionPath}>{page}</RequireRole> };
}

export function createAppRouter() {
  return createBrowserRouter([
    { path: '/sign-in', element: pages.signIn(), errorElement: <RouteErrorPage /> },
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
            { index: true, element: pages.dashboard() },
            section('/certificates', pages.certificates()),
            section('/certificates/issue', pages.issueCertificate(), '/certificates'),
            section('/certificates/:id', pages.certificate(), '/certificates'),
            section('/certificate-authorities', pages.certificateAuthorities()),
            section('/certificate-authorities/:caId', pages.certificateAuthority(), '/certificate-authorities'),
            section('/keys', pages.keys()),
            section('/approvals', pages.approvals()),
            section('/audit-log', pages.auditLog()),
            section('/users', pages.users()),
            { path: '*', element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ]);
}

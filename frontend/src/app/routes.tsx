import { createBrowserRouter } from 'react-router';

import { RequireSession } from '../auth/session.js';
import { NotFoundPage } from '../pages/not-found-page.js';
import { RouteErrorPage } from '../pages/route-error-page.js';
import { Layout } from './layout.js';
import { lazyPage, type LazyPage } from './lazy-page.js';
import { RequireRole } from './require-role.js';

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

/** What a route carries for `preloadMatchedPages`. */
interface PageHandle {
  preload: () => void;
}

function page(lazy: LazyPage) {
  return { element: lazy.element, handle: { preload: lazy.preload } satisfies PageHandle };
}

function section(path: string, lazy: LazyPage, sectionPath = path) {
  return { ...page(lazy), path: path.slice(1), element: <RequireRole path={sectionPath}>{lazy.element}</RequireRole> };
}

export function createAppRouter() {
  const router = createBrowserRouter([
    { path: '/sign-in', ...page(pages.signIn()), errorElement: <RouteErrorPage /> },
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
            { index: true, ...page(pages.dashboard()) },
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
  preloadMatchedPages(router);
  return router;
}

/**
 * Starts downloading the opened address's page at once, while the session is being checked,
 * rather than after: a cold visit to /certificates then waits for one round trip, not two.
 */
function preloadMatchedPages(router: ReturnType<typeof createBrowserRouter>): void {
  for (const match of router.state.matches) (match.route.handle as PageHandle | undefined)?.preload();
}

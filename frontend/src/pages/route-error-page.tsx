import { isRouteErrorResponse, Link, useRouteError } from 'react-router';

import { pageTitle } from '../app/navigation.js';

/** Catches a page that failed to render, so the navigation and badge stay usable. */
export function RouteErrorPage() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : error instanceof Error
      ? error.message
      : 'unknown error';
  return (
    <>
      <title>{pageTitle('Error')}</title>
      <header className="page-header">
        <h1>Something went wrong</h1>
      </header>
      <div className="card alert" role="alert">
        <p>This page could not be shown: {message}</p>
      </div>
      <p>
        <Link to="/">Go to the dashboard</Link>
      </p>
    </>
  );
}

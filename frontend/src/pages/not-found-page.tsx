import { Link } from 'react-router';

import { pageTitle } from '../app/navigation.js';

export function NotFoundPage() {
  return (
    <>
      <title>{pageTitle('Page not found')}</title>
      <header className="page-header">
        <h1>Page not found</h1>
        <p className="page-lead">There is no page at this address.</p>
      </header>
      <p>
        <Link to="/">Go to the dashboard</Link>
      </p>
    </>
  );
}

/** A page's title (also the document title), its lead sentence, and its main actions. */
import type { ReactNode } from 'react';

import { pageTitle } from '../app/navigation.js';

export function PageHeader({ title, lead, actions }: { title: string; lead?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header flex flex-wrap items-start justify-between gap-3">
      <title>{pageTitle(title)}</title>
      <div className="min-w-0">
        <h1>{title}</h1>
        {lead === undefined ? null : <p className="page-lead">{lead}</p>}
      </div>
      {actions === undefined ? null : <div className="flex flex-wrap gap-2">{actions}</div>}
    </header>
  );
}

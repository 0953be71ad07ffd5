/** A part of the Users page: its heading, the form that adds an entry, the last failed row action, then the list. */
import type { ReactNode } from 'react';

import { ApiErrorNotice } from '../../components/error-notice.js';

export function AdminSection({
  headingId,
  title,
  form,
  failure,
  children,
}: {
  headingId: string;
  title: string;
  form: ReactNode;
  /** What a row action (disable, revoke…) failed with; the notice shows while `error` is set. */
  failure: { title: string; error: unknown };
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={headingId} className="mb-8">
      <h2 id={headingId} className="mb-3 text-lg">
        {title}
      </h2>
      {form}
      {failure.error === undefined ? null : <ApiErrorNotice title={failure.title} error={failure.error} />}
      {children}
    </section>
  );
}

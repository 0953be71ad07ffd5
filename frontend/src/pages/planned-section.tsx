import { canTake, pageTitle, type Action } from '../app/navigation.js';
import { useSignedInUser } from '../auth/session.js';

export interface PlannedCapability {
  text: string;
  /** The action it offers; left out for a role that may not take it. */
  action?: Action;
}

interface PlannedSectionProps {
  title: string;
  summary: string;
  /** What the section will offer, each item one capability in the backlog. */
  planned: readonly PlannedCapability[];
}

/**
 * A section whose features are not built yet. It says so plainly and lists what is coming,
 * rather than showing an empty table that would suggest there is simply no data.
 */
export function PlannedSection({ title, summary, planned }: PlannedSectionProps) {
  const { role } = useSignedInUser();
  const headingId = `${title.toLowerCase().replaceAll(' ', '-')}-planned`;
  const offered = planned.filter((item) => item.action === undefined || canTake(role, item.action));
  return (
    <>
      <title>{pageTitle(title)}</title>
      <header className="page-header">
        <h1>{title}</h1>
        <p className="page-lead">{summary}</p>
      </header>
      <section className="card notice" aria-labelledby={headingId}>
        <h2 id={headingId}>Not available yet</h2>
        <p>
          The server already does this through its API and the <code>pki</code> command line; the console&apos;s screens
          for it are not built yet. They will let you:
        </p>
        <ul className="planned-list">
          {offered.map((item) => (
            <li key={item.text}>{item.text}</li>
          ))}
        </ul>
      </section>
    </>
  );
}

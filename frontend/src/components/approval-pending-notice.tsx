import { Link } from 'react-router';

/** What a guarded request became under dual control: stored, not run. */
export function ApprovalPendingNotice({ message }: { message: string }) {
  return (
    <div role="status" className="rounded-md border-l-4 border-warn bg-warn-soft px-3 py-2 text-sm text-ink">
      <p className="m-0 font-semibold text-warn">Pending approval by a second admin</p>
      <p className="m-0 mt-1">{message}</p>
      <p className="m-0 mt-1">
        Nothing has changed yet. Another admin decides on it under <Link to="/approvals">Approvals</Link>.
      </p>
    </div>
  );
}

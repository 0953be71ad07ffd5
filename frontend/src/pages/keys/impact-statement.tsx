import { describeKeyImpact, type KeyAction, type KeyDependents } from './key-impact.js';
import { ApiErrorNotice } from '../../components/error-notice.js';
import { SkeletonBlock } from '../../components/skeleton.js';

/** "What stops working", read from keys.dependents before anything is confirmed. */
export function ImpactStatement({
  dependents,
  error,
  action,
}: {
  dependents: KeyDependents | undefined;
  error: unknown;
  action: KeyAction;
}) {
  if (error !== null && error !== undefined) {
    return <ApiErrorNotice title="What depends on this key could not be read" error={error} />;
  }
  if (dependents === undefined) return <SkeletonBlock label="Reading what depends on this key" lines={2} />;
  return (
    <div className="rounded-md border-l-4 border-danger bg-danger-soft px-3 py-2 text-sm text-ink">
      <p className="m-0 font-semibold text-danger">What stops working</p>
      <ul className="m-0 mt-1 pl-5">
        {describeKeyImpact(dependents, action).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </div>
  );
}

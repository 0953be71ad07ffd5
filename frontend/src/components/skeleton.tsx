/**
 * Placeholders with the shape of what is loading. The region is announced once as busy;
 * the grey blocks themselves are hidden from assistive technology.
 */
export function Skeleton({ className }: { className?: string | undefined }) {
  return <div aria-hidden="true" className={`animate-pulse rounded-md bg-line/60 ${className ?? 'h-4 w-full'}`} />;
}

export function SkeletonBlock({ label = 'Loading…', lines = 3 }: { label?: string; lines?: number }) {
  return (
    <div role="status" aria-busy="true" className="flex flex-col gap-2 py-2">
      <span className="sr-only">{label}</span>
      {Array.from({ length: lines }, (_, index) => (
        <Skeleton key={index} className={index === 0 ? 'h-6 w-1/3' : 'h-4 w-full'} />
      ))}
    </div>
  );
}

/** The fallback of a lazily loaded page: a heading bar and a few rows. */
export function PageSkeleton() {
  return <SkeletonBlock label="Loading page…" lines={5} />;
}

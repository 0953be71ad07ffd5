import { useEffect, useState, type ComponentType, type ReactNode } from 'react';

import { PageSkeleton } from '../components/skeleton.js';

/** A page in its own chunk: the element to route to, and a way to start its download early. */
export interface LazyPage {
  element: ReactNode;
  preload: () => void;
}

/**
 * Each page is its own chunk, loaded when first visited: signing in does not download the
 * charts of the dashboard nor the tables of the inventory. The download is shared, so
 * `preload` and the first render fetch it once.
 *
 * Not React.lazy: a lazy component suspends on its first render even when its chunk is
 * already here, and React holds back the reveal of a suspended boundary for up to 300 ms
 * after its fallback appeared, which would undo the preload. A page whose chunk has
 * arrived renders at once; one still on its way shows the skeleton until it does.
 */
export function lazyPage<Module>(load: () => Promise<Module>, pick: (module: Module) => ComponentType): LazyPage {
  let loaded: ComponentType | undefined;
  let loading: Promise<ComponentType> | undefined;
  const loadOnce = () =>
    (loading ??= load().then(
      (module) => (loaded = pick(module)),
      (error: unknown) => {
        // A failed download (a new deployment, the network) is tried again on the next visit.
        loading = undefined;
        throw error;
      },
    ));

  function PageWhenLoaded() {
    const [Page, setPage] = useState(() => loaded);
    const [failure, setFailure] = useState<{ error: unknown }>();
    useEffect(() => {
      if (Page !== undefined) return;
      let isMounted = true;
      loadOnce().then(
        (component) => isMounted && setPage(() => component),
        (error: unknown) => isMounted && setFailure({ error }),
      );
      return () => {
        isMounted = false;
      };
    }, [Page]);
    // Thrown while rendering, so the route's error page reports it.
    if (failure !== undefined) throw failure.error;
    return Page === undefined ? <PageSkeleton /> : <Page />;
  }

  return { element: <PageWhenLoaded />, preload: () => void loadOnce().catch(() => {}) };
}

import { useEffect, useState } from 'react';

function secondsUntil(until: number | undefined): number {
  return until === undefined ? 0 : Math.max(0, Math.ceil((until - Date.now()) / 1000));
}

/**
 * Whole seconds left until `until` (a Date.now() instant), re-rendering once a second until
 * zero. Derived from the clock at each render, so it is never a tick behind `until`.
 */
export function useCountdown(until: number | undefined): number {
  const [, setTicks] = useState(0);

  useEffect(() => {
    if (until === undefined) return;
    const timer = window.setInterval(() => {
      setTicks((ticks) => ticks + 1);
      if (secondsUntil(until) === 0) window.clearInterval(timer);
    }, 1000);
    return () => window.clearInterval(timer);
  }, [until]);

  return secondsUntil(until);
}

import { useEffect } from 'preact/hooks';

/**
 * Calls `f` every `ms` while the page is visible (the runner has no push channel yet). `f`
 * should keep its identity (useCallback): a new one starts the interval again.
 */
export function usePoll(f: () => unknown, ms: number) {
  useEffect(() => {
    const t = setInterval(() => document.visibilityState !== 'hidden' && f(), ms);
    return () => clearInterval(t);
  }, [f, ms]);
}

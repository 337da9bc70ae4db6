import { useRef } from 'preact/hooks';

/**
 * A ref that always holds `value` as of the latest render: for timers, listeners and effects
 * that must see the current value without being set up again each time it changes (a parent's
 * callback, the feed's rows).
 */
export function useLatest<T>(value: T) {
  const ref = useRef(value);
  ref.current = value;
  return ref;
}

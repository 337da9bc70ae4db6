import { useEffect, useState } from 'preact/hooks';

/** The time, moved on every 30 s: what the ages on the page ("5 min") are counted from. */
export function useNow() {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const c = setInterval(() => setNow(Date.now()), 30000);
    return () => clearInterval(c);
  }, []);
  return now;
}

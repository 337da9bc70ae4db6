import { useCallback, useEffect, useState } from 'preact/hooks';
import { type Client, describeError } from '../api';

export interface Loaded<T> {
  data: T | null;
  /** Why the last load failed, in words. */
  error: string | null;
  loading: boolean;
  /** Loads again (keeping what is shown until the answer comes). */
  reload: () => void;
  /** Changes what is shown without asking the server (after a change it answered). */
  update: (f: (data: T) => T) => void;
}

/**
 * Something a settings screen shows, loaded when the screen opens: `load` must be a stable
 * function (declared at module level, or memoised), called with the client.
 */
export function useLoad<T>(client: Client, load: (c: Client) => Promise<T>): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [round, setRound] = useState(0);

  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load(client).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (e) => live && setState((s) => ({ data: s.data, error: describeError(e), loading: false })),
    );
    return () => {
      live = false;
    };
  }, [client, load, round]);

  const reload = useCallback(() => setRound((r) => r + 1), []);
  const update = useCallback((f: (data: T) => T) => setState((s) => (s.data === null ? s : { ...s, data: f(s.data) })), []);
  return { ...state, reload, update };
}

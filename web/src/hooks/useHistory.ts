import { useEffect, useState } from 'preact/hooks';
import { type Client, describeError } from '../api';
import type { HistoryEntry } from '../types';
import { useLatest } from './useLatest';

/**
 * A conversation's history, asked for while it is shown (`open`) and again at each new
 * `version` of the conversation; null until it is there. A failure goes to `onError`.
 */
export function useHistory(client: Client, id: string, open: boolean, version: number, onError: (message: string) => void) {
  const [history, setHistory] = useState<HistoryEntry[] | null>(null);
  const onErrorRef = useLatest(onError);
  useEffect(() => {
    if (open) client.history(id).then((h) => setHistory(h.history), (e) => onErrorRef.current(`Could not load the history: ${describeError(e)}`));
  }, [client, id, open, version, onErrorRef]);
  return history;
}

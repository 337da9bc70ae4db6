import { useCallback, useEffect, useState } from 'preact/hooks';
import { type Client, describeError } from '../api';
import type { Notification } from '../types';
import { usePoll } from './usePoll';

/** How often the bell asks for news. */
export const BELL_POLL_MS = 5000;

/** The notifications for the bell: loaded at once, then polled while the page is visible. */
export function useBell(client: Client) {
  const [bell, setBell] = useState<{ list: Notification[]; error: string | null }>({ list: [], error: null });

  const load = useCallback(async () => {
    try {
      const r = await client.notifications();
      setBell({ list: r.notifications, error: null });
    } catch (e) {
      setBell((b) => ({ ...b, error: `Could not load notifications: ${describeError(e)}` }));
    }
  }, [client]);

  useEffect(() => {
    load();
  }, [load]);
  usePoll(load, BELL_POLL_MS);

  /** Marks one read on the server, then in the bell; rejects with the server's error. */
  const markRead = useCallback(
    (id: string) =>
      client.readNotification(id).then(() => setBell((b) => ({ ...b, list: b.list.map((x) => (x.id === id ? { ...x, read: true } : x)) }))),
    [client],
  );

  return { notifications: bell.list, error: bell.error, markRead };
}

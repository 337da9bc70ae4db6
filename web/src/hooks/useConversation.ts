import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Client, describeError } from '../api';
import type { Conversation, Detail } from '../types';
import { useLatest } from './useLatest';

/** Runs action `f` on the conversation (`label` says what failed), then `after` on its answer. */
export type Act = <T>(label: string, f: () => Promise<T>, after?: (r: T) => void) => Promise<T | undefined>;

/**
 * One conversation, open: loaded (then its heading focused) and marked seen for me; loaded
 * again when the feed sees newer activity (`activityAt`), and while something sent is on its
 * way. `act` runs an action on it, one at a time (`busy`), its failure shown in `actionError`;
 * `changed` takes a new state of it, here and for the feed (`onChanged`).
 */
export function useConversation(client: Client, id: string, activityAt: string | null, onChanged: (c: Conversation) => void) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const latest = useLatest({ detail, onChanged });

  const reload = useCallback(async () => {
    try {
      const d = await client.conversation(id);
      setDetail(d);
      setError(null);
      return d;
    } catch (e) {
      setError(`Could not load the conversation: ${describeError(e)}`);
      return null;
    }
  }, [client, id]);

  // Open: load it, mark it seen for me.
  useEffect(() => {
    let cancelled = false;
    setDetail(null);
    setActionError(null);
    (async () => {
      const d = await reload();
      if (!d || cancelled) return;
      headingRef.current?.focus();
      try {
        const seen = await client.markSeen(id);
        if (cancelled) return;
        setDetail((cur) => (cur ? { ...cur, ...seen } : cur));
        latest.current.onChanged(seen);
      } catch (e) {
        setActionError(`Could not mark it seen: ${describeError(e)}`);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [client, id, reload, latest]);

  // New activity seen by the feed's refresh: reload the thread (it stays unseen until reopened).
  // Only a new `activityAt` is news: the thread loaded since is compared, not watched.
  useEffect(() => {
    const d = latest.current.detail;
    if (d && activityAt && activityAt !== d.received_at) reload();
  }, [activityAt, reload, latest]);

  // While something we sent is on its way, follow it until it is sent or has failed; more
  // slowly while the network cannot take it and the inbox retries (minutes to hours).
  const outboundPending = detail?.items.filter((i) => i.direction === 'outbound' && i.state === 'pending') ?? [];
  const pending = outboundPending.length > 0;
  const onlyRetrying = pending && outboundPending.every((i) => i.retry);
  useEffect(() => {
    if (!pending) return;
    const t = setTimeout(reload, onlyRetrying ? 10000 : 700);
    return () => clearTimeout(t);
  }, [pending, onlyRetrying, detail, reload]);

  const act: Act = async (label, f, after) => {
    setBusy(label);
    setActionError(null);
    try {
      const r = await f();
      after?.(r);
      return r;
    } catch (e) {
      setActionError(`${label}: ${describeError(e)}`);
      return undefined;
    } finally {
      setBusy(null);
    }
  };

  function changed(c: Conversation) {
    setDetail((cur) => (cur ? { ...cur, ...c } : cur));
    onChanged(c);
  }

  /** Adds a note; rejects with the reason in words. */
  async function addNote(text: string) {
    try {
      const note = await client.note(id, text);
      setDetail((cur) => (cur ? { ...cur, notes: [...cur.notes, note] } : cur));
    } catch (e) {
      throw new Error(describeError(e), { cause: e });
    }
  }

  return { detail, error, actionError, setActionError, busy, headingRef, reload, act, changed, addNote };
}

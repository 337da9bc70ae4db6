import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Client, describeError } from '../api';
import { type Draft, feedQuery, mergeFeed, refreshLimit, risen } from '../feed';
import { stillMatches } from '../match';
import type { Conversation, Tab } from '../types';
import { useLatest } from './useLatest';
import { usePoll } from './usePoll';

/** How often the feed asks for news (the runner has no push channel yet). */
export const FEED_POLL_MS = 3000;
/** Marked once, when the first feed is on screen: navigation → first feed is its startTime. */
export const FIRST_FEED_MARK = 'inbox:first-feed';

export interface FeedState {
  items: Conversation[];
  next: string | null;
  loading: boolean;
  loadingMore: boolean;
  error: string | null;
}

/** What the feed is of: the tab shown, its unsaved edits and the filters in force. */
export interface FeedScope {
  tab: Tab | null;
  draft: Draft | undefined;
  effective: Draft | null;
  /** The open conversation (its new activity is not announced) and me (for "mine" filters). */
  openId: string | null;
  meId: string;
}

/**
 * The conversations of the shown tab: loaded again when what it asks for changes, refreshed
 * by polling (new activity moves to the top, and is announced), a page more on request, and
 * the row selected with the keyboard.
 */
export function useFeed(client: Client, scope: FeedScope) {
  const [feed, setFeed] = useState<FeedState>({ items: [], next: null, loading: true, loadingMore: false, error: null });
  const [selected, setSelected] = useState(-1);
  const [announce, setAnnounce] = useState('');
  const feedSeq = useRef(0);
  const marked = useRef(false);
  // The latest values, for the requests' callbacks and the timers.
  const live = useLatest({ ...scope, feed });

  const load = useCallback(async () => {
    const { tab, draft } = live.current;
    if (!tab) return;
    const seq = ++feedSeq.current;
    setFeed((f) => ({ ...f, items: [], next: null, loading: true, error: null }));
    try {
      const page = await client.feed(feedQuery(tab, draft));
      if (seq !== feedSeq.current) return;
      setFeed({ items: page.conversations, next: page.next_cursor, loading: false, loadingMore: false, error: null });
      setSelected(-1);
    } catch (e) {
      if (seq !== feedSeq.current) return;
      setFeed((f) => ({ ...f, loading: false, error: `Could not load the conversations: ${describeError(e)}` }));
    }
  }, [client, live]);

  const refresh = useCallback(async () => {
    const { tab, draft, feed: f } = live.current;
    if (!tab || f.loading || f.loadingMore) return;
    const seq = feedSeq.current;
    try {
      const page = await client.feed(feedQuery(tab, draft, null, refreshLimit(f.items.length)));
      if (seq !== feedSeq.current) return;
      setFeed((cur) => {
        const merged = mergeFeed(cur.items, page.conversations, page.next_cursor === null);
        const up = risen(cur.items, merged.items).filter((id) => cur.items.length > 0 && id !== live.current.openId);
        if (up.length) setAnnounce(`${up.length} conversation${up.length > 1 ? 's' : ''} with new activity at the top of the feed`);
        return { ...cur, items: merged.items, next: merged.continues ? cur.next : page.next_cursor, error: null };
      });
    } catch (e) {
      if (seq === feedSeq.current) setFeed((cur) => ({ ...cur, error: `Could not refresh the conversations: ${describeError(e)}` }));
    }
  }, [client, live]);

  const more = useCallback(async () => {
    const { tab, draft, feed: f } = live.current;
    if (!tab || !f.next || f.loadingMore || f.loading) return;
    const seq = feedSeq.current;
    setFeed((cur) => ({ ...cur, loadingMore: true }));
    try {
      const page = await client.feed(feedQuery(tab, draft, f.next));
      if (seq !== feedSeq.current) return;
      setFeed((cur) => {
        const ids = new Set(cur.items.map((c) => c.id));
        return { ...cur, items: [...cur.items, ...page.conversations.filter((c) => !ids.has(c.id))], next: page.next_cursor, loadingMore: false };
      });
    } catch (e) {
      if (seq === feedSeq.current) setFeed((cur) => ({ ...cur, loadingMore: false, error: `Could not load more: ${describeError(e)}` }));
    }
  }, [client, live]);

  /** A change made here: show it at once; drop it from a feed it no longer belongs to. */
  const changed = useCallback(
    (c: Conversation) => {
      const eff = live.current.effective;
      const before = live.current.feed.items.find((x) => x.id === c.id);
      // Only a new status or assignee can move rows between pages and tabs: a seen mark (opening
      // a conversation) is patched in place without asking for the feed again.
      const moves = !before || before.status !== c.status || before.assignee_id !== c.assignee_id;
      setFeed((cur) => {
        const items = cur.items
          .map((x) => (x.id === c.id ? { ...x, ...c } : x))
          .filter((x) => x.id !== c.id || !eff || stillMatches(x, eff.filters, live.current.meId));
        return { ...cur, items };
      });
      if (moves) setTimeout(refresh, 400);
    },
    [live, refresh],
  );

  // Reload when what the feed asks for changes (by content: reloading the tabs makes new
  // objects of the same filters, and moving a tab must not blank its feed). No tab, no key.
  const { tab, draft } = scope;
  const feedKey = tab ? feedQuery(tab, draft) + JSON.stringify([tab.filters, tab.query]) : '';
  useEffect(() => {
    if (feedKey) load();
  }, [feedKey, load]);

  const hasTab = tab !== null;
  useEffect(() => {
    if (!marked.current && !feed.loading && hasTab) {
      marked.current = true;
      performance.mark(FIRST_FEED_MARK);
    }
  }, [feed.loading, feed.items, hasTab]);

  usePoll(refresh, FEED_POLL_MS);

  return { feed, selected, setSelected, announce, load, more, changed };
}

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type Client, describeError } from '../api';
import { type Draft, feedQuery, isDirty, mergeFeed, normaliseFilters, refreshLimit, risen } from '../feed';
import { commandFor } from '../keys';
import { stillMatches } from '../match';
import { parseRoute, routePath } from '../route';
import type { Conversation, Me, Notification, Profile, Tab, TeamMember } from '../types';
import { Bell } from './Bell';
import { type ConversationHandle, ConversationView } from './ConversationView';
import { FeedList } from './FeedList';
import { FilterBar } from './FilterBar';
import { HelpDialog } from './HelpDialog';
import { TabBar } from './TabBar';

/** How often the feed and the bell ask for news (the runner has no push channel yet). */
export const FEED_POLL_MS = 3000;
export const BELL_POLL_MS = 5000;
/** Marked once, when the first feed is on screen: navigation → first feed is its startTime. */
export const FIRST_FEED_MARK = 'inbox:first-feed';

interface FeedState {
  items: Conversation[];
  next: string | null;
  loading: boolean;
  loadingMore: boolean;
  error: string | null;
}

interface Props {
  client: Client;
  onSignOut: () => void;
}

function byPosition(tabs: Tab[]) {
  return [...tabs].map((t) => ({ ...t, filters: normaliseFilters(t.filters) })).sort((a, b) => a.position - b.position);
}

export function Inbox({ client, onSignOut }: Props) {
  const initial = useMemo(() => parseRoute(location.pathname), []);
  const [me, setMe] = useState<Me | null>(null);
  const [team, setTeam] = useState<TeamMember[]>([]);
  const [tabs, setTabs] = useState<Tab[]>([]);
  const [bootError, setBootError] = useState<string | null>(null);
  const [tabId, setTabId] = useState<string | null>(initial.tab);
  const [openId, setOpenId] = useState<string | null>(initial.conversation);
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [feed, setFeed] = useState<FeedState>({ items: [], next: null, loading: true, loadingMore: false, error: null });
  const [selected, setSelected] = useState(-1);
  const [bell, setBell] = useState<{ list: Notification[]; error: string | null }>({ list: [], error: null });
  const [help, setHelp] = useState(false);
  const [pageError, setPageError] = useState<string | null>(null);
  const [announce, setAnnounce] = useState('');
  const [now, setNow] = useState(Date.now());
  const feedSeq = useRef(0);
  const marked = useRef(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const convHandle = useRef<ConversationHandle | null>(null);

  const tab = tabs.find((t) => t.id === tabId) ?? null;
  const draft = tab ? drafts[tab.id] : undefined;
  const dirty = tab ? isDirty(tab, draft) : false;
  const effective: Draft | null = tab ? (draft ?? { filters: tab.filters, query: tab.query }) : null;
  const profiles = useMemo(() => new Map<string, Profile>((me?.profiles ?? []).map((p) => [p.id, p])), [me]);
  const teamById = useMemo(() => new Map(team.map((u) => [u.id, u])), [team]);
  const meId = me?.user.id ?? '';

  // The latest values, for timers and listeners set up once.
  const live = useRef({ tab, draft, feed, openId, selected, effective, meId, help });
  live.current = { tab, draft, feed, openId, selected, effective, meId, help };

  // --- start: who am I, my team, my tabs (in parallel)
  useEffect(() => {
    Promise.all([client.me(), client.team(), client.tabs()])
      .then(([m, t, tb]) => {
        setMe(m);
        setTeam(t.users);
        const sorted = byPosition(tb.tabs);
        setTabs(sorted);
        setTabId((cur) => (cur && sorted.some((x) => x.id === cur) ? cur : (sorted[0]?.id ?? null)));
      })
      .catch((e) => setBootError(`Could not load your inbox: ${describeError(e)}`));
  }, [client]);

  // --- the address follows the view
  useEffect(() => {
    if (!tabId) return;
    const path = routePath({ tab: tabId, conversation: openId });
    if (location.pathname !== path) history.pushState(null, '', path);
  }, [tabId, openId]);
  useEffect(() => {
    const onPop = () => {
      const r = parseRoute(location.pathname);
      if (r.tab) setTabId(r.tab);
      setOpenId(r.conversation);
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  // --- the feed
  async function load() {
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
  }

  async function refresh() {
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
  }

  async function more() {
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
  }

  // Reload when what the feed asks for changes (by content: reloading the tabs makes new
  // objects of the same filters, and moving a tab must not blank its feed).
  const feedKey = tab ? feedQuery(tab, draft) + JSON.stringify([tab.filters, tab.query]) : '';
  useEffect(() => {
    if (tab) load();
  }, [feedKey]);

  useEffect(() => {
    if (!marked.current && !feed.loading && tab) {
      marked.current = true;
      performance.mark(FIRST_FEED_MARK);
    }
  }, [feed.loading, feed.items]);

  // --- polling: the feed, the bell, the clock
  async function loadBell() {
    try {
      const r = await client.notifications();
      setBell({ list: r.notifications, error: null });
    } catch (e) {
      setBell((b) => ({ ...b, error: `Could not load notifications: ${describeError(e)}` }));
    }
  }
  useEffect(() => {
    loadBell();
    const visible = () => document.visibilityState !== 'hidden';
    const f = setInterval(() => visible() && refresh(), FEED_POLL_MS);
    const b = setInterval(() => visible() && loadBell(), BELL_POLL_MS);
    const c = setInterval(() => setNow(Date.now()), 30000);
    return () => {
      clearInterval(f);
      clearInterval(b);
      clearInterval(c);
    };
  }, [client]);

  // --- conversations
  function open(c: Conversation | string, index?: number) {
    const id = typeof c === 'string' ? c : c.id;
    setOpenId(id);
    if (index !== undefined) setSelected(index);
  }

  function back() {
    const id = live.current.openId;
    setOpenId(null);
    if (id) requestAnimationFrame(() => document.getElementById(`row-${id}`)?.focus());
  }

  /** A change made here: show it at once; drop it from a feed it no longer belongs to. */
  function changed(c: Conversation) {
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
  }

  function focusWhenPresent(id: string) {
    let tries = 0;
    const go = () => {
      const el = document.getElementById(id) as HTMLElement | null;
      if (el) el.focus();
      else if (tries++ < 40) setTimeout(go, 50);
    };
    go();
  }

  // --- keyboard
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const cmd = commandFor(e);
      if (!cmd) return;
      const { feed: f, selected: sel, openId: oid, help: h } = live.current;
      const move = (d: number) => {
        if (!f.items.length) return;
        const i = Math.max(0, Math.min(f.items.length - 1, sel < 0 ? 0 : sel + d));
        setSelected(i);
        const el = document.getElementById(`row-${f.items[i]!.id}`);
        el?.focus();
        el?.scrollIntoView?.({ block: 'nearest' });
      };
      const target = () => (sel >= 0 ? f.items[sel] : undefined);
      switch (cmd) {
        case 'next':
          e.preventDefault();
          move(1);
          break;
        case 'prev':
          e.preventDefault();
          move(-1);
          break;
        case 'open': {
          const t = target();
          if (t) {
            e.preventDefault();
            open(t, sel);
          }
          break;
        }
        case 'close':
          if (oid) convHandle.current?.close();
          else {
            const t = target();
            if (t && t.status === 'open')
              client.setStatus(t.id, 'closed').then(changed, (err) => setPageError(`Could not close it: ${describeError(err)}`));
          }
          break;
        case 'assign':
        case 'reply': {
          e.preventDefault();
          if (!oid) {
            const t = target();
            if (!t) break;
            open(t, sel);
          }
          focusWhenPresent(cmd === 'assign' ? 'assign-select' : 'reply-input');
          break;
        }
        case 'search':
          e.preventDefault();
          searchRef.current?.focus();
          break;
        case 'help':
          e.preventDefault();
          setHelp(!h);
          break;
        case 'escape':
          if (h) setHelp(false);
          else if (oid && !(e.target as HTMLElement)?.closest?.('.popover')) back();
          break;
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [client]);

  // --- tabs
  async function tabOp<T>(what: string, f: () => Promise<T>): Promise<T> {
    setPageError(null);
    try {
      return await f();
    } catch (e) {
      setPageError(`${what}: ${describeError(e)}`);
      throw e;
    }
  }
  const reloadTabs = async () => setTabs(byPosition((await client.tabs()).tabs));

  if (bootError) {
    return (
      <main class="boot">
        <p class="error" role="alert">
          {bootError}
        </p>
        <button type="button" onClick={() => location.reload()}>
          Try again
        </button>{' '}
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </main>
    );
  }
  if (!me) {
    return (
      <main class="boot" aria-busy="true">
        <p>Loading your inbox…</p>
      </main>
    );
  }

  const openActivity = openId ? (feed.items.find((c) => c.id === openId)?.received_at ?? null) : null;

  return (
    <div class={`app${openId ? ' has-open' : ''}`}>
      <a class="skip" href="#feed-panel">
        Skip to the conversations
      </a>
      <header class="topbar">
        <h1>
          Social inbox{me.account && <span class="account"> · {me.account.name}</span>}
        </h1>
        <div class="top-tools">
          <Bell
            notifications={bell.list}
            error={bell.error}
            now={now}
            onOpen={(n) => {
              if (!n.read) {
                client.readNotification(n.id).then(
                  () => setBell((b) => ({ ...b, list: b.list.map((x) => (x.id === n.id ? { ...x, read: true } : x)) })),
                  (e) => setPageError(`Could not mark the notification read: ${describeError(e)}`),
                );
              }
              open(n.conversation_id);
            }}
          />
          <button type="button" class="small" onClick={() => setHelp(true)} aria-keyshortcuts="?">
            Shortcuts <kbd>?</kbd>
          </button>
          <span class="whoami" title={me.user.email}>
            {me.user.name}
          </span>
          <button type="button" class="small" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <nav aria-label="Tabs and filters" class="controls">
        <TabBar
          tabs={tabs}
          activeId={tabId}
          dirty={dirty}
          onSelect={(id) => {
            setTabId(id);
            setSelected(-1);
          }}
          onCreate={(name) =>
            tabOp('Could not add the tab', async () => {
              const t = await client.createTab(name);
              await reloadTabs();
              setTabId(t.id);
            })
          }
          onRename={(id, name) =>
            tabOp('Could not rename the tab', async () => {
              const t = await client.updateTab(id, { name });
              setTabs((all) => all.map((x) => (x.id === id ? { ...x, name: t.name } : x)));
            })
          }
          onMove={(id, position) =>
            tabOp('Could not move the tab', async () => {
              await client.updateTab(id, { position });
              await reloadTabs();
            })
          }
          onRemove={(id) =>
            tabOp('Could not remove the tab', async () => {
              await client.deleteTab(id);
              const rest = byPosition((await client.tabs()).tabs);
              setTabs(rest);
              setDrafts(({ [id]: _, ...others }) => others);
              if (id === tabId) setTabId(rest[0]?.id ?? null);
            })
          }
        />
        {tab && effective && (
          <FilterBar
            key={tab.id}
            draft={effective}
            dirty={dirty}
            profiles={me.profiles}
            team={team}
            meId={meId}
            searchRef={searchRef}
            onChange={(d) => {
              const same = !isDirty(tab, d);
              setDrafts(({ [tab.id]: _, ...others }) => (same ? others : { ...others, [tab.id]: d }));
            }}
            onSave={() =>
              tabOp('Could not save the tab', async () => {
                if (!draft) return;
                const t = await client.updateTab(tab.id, { filters: draft.filters, query: draft.query });
                setTabs((all) => all.map((x) => (x.id === t.id ? { ...t, filters: normaliseFilters(t.filters) } : x)));
                setDrafts(({ [tab.id]: _, ...others }) => others);
              }).catch(() => undefined)
            }
            onReset={() => setDrafts(({ [tab.id]: _, ...others }) => others)}
          />
        )}
        {pageError && (
          <p class="error" role="alert">
            {pageError}{' '}
            <button type="button" class="small" onClick={() => setPageError(null)}>
              Dismiss
            </button>
          </p>
        )}
      </nav>
      <div class="panes">
        <section id="feed-panel" class="feed-pane" role="tabpanel" aria-labelledby={tabId ? `tab-${tabId}` : undefined} tabIndex={-1}>
          <FeedList
            conversations={feed.items}
            loading={feed.loading}
            loadingMore={feed.loadingMore}
            hasMore={!!feed.next}
            error={feed.error}
            selected={selected}
            openId={openId}
            profiles={profiles}
            team={teamById}
            meId={meId}
            now={now}
            onOpen={open}
            onMore={more}
            onRetry={load}
          />
        </section>
        <div class="conv-pane">
          {openId ? (
            <ConversationView
              key={openId}
              client={client}
              id={openId}
              meId={meId}
              team={team}
              teamById={teamById}
              profiles={profiles}
              salesforce={me.integrations?.salesforce ?? false}
              activityAt={openActivity}
              handle={convHandle}
              now={now}
              onChanged={changed}
              onBack={back}
            />
          ) : (
            <p class="placeholder">Choose a conversation. Press <kbd>?</kbd> for keyboard shortcuts.</p>
          )}
        </div>
      </div>
      <div class="sr-only" aria-live="polite">
        {announce}
      </div>
      {help && <HelpDialog onClose={() => setHelp(false)} />}
    </div>
  );
}

import { settingsPath } from '../route';
import { useMemo, useRef, useState } from 'preact/hooks';
import { type Client, describeError } from '../api';
import { useBell } from '../hooks/useBell';
import { useBoot } from '../hooks/useBoot';
import { useFeed } from '../hooks/useFeed';
import { useNow } from '../hooks/useNow';
import { useRoute } from '../hooks/useRoute';
import { useShortcuts } from '../hooks/useShortcuts';
import { useTabs } from '../hooks/useTabs';
import type { Conversation, Profile } from '../types';
import { type ConversationHandle, ConversationView } from './ConversationView';
import { FeedList } from './FeedList';
import { FilterBar } from './FilterBar';
import { HelpDialog } from './HelpDialog';
import type { Navigate } from './Link';
import { TabBar } from './TabBar';
import { TopBar } from './TopBar';

interface Props {
  client: Client;
  onSignOut: () => void;
  /** Moves the page to another screen (the settings). */
  navigate: Navigate;
}

/** The signed-in page: tabs and filters, the feed, the open conversation, the bell. */
export function Inbox({ client, onSignOut, navigate }: Props) {
  const [help, setHelp] = useState(false);
  const [pageError, setPageError] = useState<string | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const convHandle = useRef<ConversationHandle | null>(null);

  const { tabId, setTabId, openId, setOpenId } = useRoute();
  const tabs = useTabs(client, tabId, setTabId, setPageError);
  const { tab, effective } = tabs;
  const { me, team, bootError } = useBoot(client, tabs.setTabs, setTabId);
  const profiles = useMemo(() => new Map<string, Profile>((me?.profiles ?? []).map((p) => [p.id, p])), [me]);
  const teamById = useMemo(() => new Map(team.map((u) => [u.id, u])), [team]);
  const meId = me?.user.id ?? '';
  const { feed, selected, setSelected, announce, load, more, changed } = useFeed(client, { tab, draft: tabs.draft, effective, openId, meId });
  const bell = useBell(client);
  const now = useNow();

  function open(c: Conversation | string, index?: number) {
    setOpenId(typeof c === 'string' ? c : c.id);
    if (index !== undefined) setSelected(index);
  }

  function back() {
    const id = openId;
    setOpenId(null);
    if (id) requestAnimationFrame(() => document.getElementById(`row-${id}`)?.focus());
  }

  useShortcuts({
    items: feed.items,
    selected,
    openId,
    help,
    select: setSelected,
    open,
    back,
    closeOpen: () => convHandle.current?.close(),
    closeRow: (c) => client.setStatus(c.id, 'closed').then(changed, (err) => setPageError(`Could not close it: ${describeError(err)}`)),
    setHelp,
    focusSearch: () => searchRef.current?.focus(),
  });

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
      <TopBar
        me={me}
        notifications={bell.notifications}
        bellError={bell.error}
        now={now}
        onOpenNotification={(n) => {
          if (!n.read) bell.markRead(n.id).catch((e) => setPageError(`Could not mark the notification read: ${describeError(e)}`));
          // A channel's sign-in (renewal refused, ending soon) is fixed in Settings → Channels.
          if (n.conversation_id) open(n.conversation_id);
          else navigate(settingsPath('channels'));
        }}
        onHelp={() => setHelp(true)}
        onSignOut={onSignOut}
        navigate={navigate}
      />
      <nav aria-label="Tabs and filters" class="controls">
        <TabBar
          tabs={tabs.tabs}
          activeId={tabId}
          dirty={tabs.dirty}
          onSelect={(id) => {
            setTabId(id);
            setSelected(-1);
          }}
          onCreate={tabs.create}
          onRename={tabs.rename}
          onMove={tabs.move}
          onRemove={tabs.remove}
        />
        {tab && effective && (
          <FilterBar
            key={tab.id}
            draft={effective}
            dirty={tabs.dirty}
            profiles={me.profiles}
            team={team}
            meId={meId}
            searchRef={searchRef}
            onChange={tabs.edit}
            onSave={tabs.save}
            onReset={tabs.reset}
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

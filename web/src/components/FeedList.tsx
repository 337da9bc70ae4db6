import { useEffect, useRef } from 'preact/hooks';
import { age, displayName, when } from '../format';
import type { Conversation, Profile, TeamMember } from '../types';
import { KindIcon, NetworkIcon, Sponsored } from './Badges';

interface Props {
  conversations: Conversation[];
  loading: boolean;
  loadingMore: boolean;
  hasMore: boolean;
  error: string | null;
  selected: number;
  openId: string | null;
  profiles: Map<string, Profile>;
  team: Map<string, TeamMember>;
  meId: string;
  now: number;
  onOpen: (c: Conversation, index: number) => void;
  onMore: () => void;
  onRetry: () => void;
}

/** The feed: newest inbound activity first; unseen ones stand out, seen ones are greyed. */
export function FeedList(p: Props) {
  const sentinel = useRef<HTMLLIElement>(null);
  const onMore = useRef(p.onMore);
  onMore.current = p.onMore;

  // Infinite scroll: the next page loads when the end of the list comes into view (observed
  // again when the sentinel may be a new element).
  const empty = p.conversations.length === 0;
  useEffect(() => {
    const el = sentinel.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) onMore.current();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [p.hasMore, empty]);

  if (p.error && p.conversations.length === 0) {
    return (
      <div class="feed-empty" role="alert">
        <p class="error">{p.error}</p>
        <button type="button" onClick={p.onRetry}>
          Try again
        </button>
      </div>
    );
  }
  if (p.loading && p.conversations.length === 0) {
    return (
      <p class="feed-empty" aria-busy="true">
        Loading conversations…
      </p>
    );
  }
  if (p.conversations.length === 0) {
    return <p class="feed-empty">No conversations here.</p>;
  }
  return (
    <>
      {p.error && (
        <p class="error" role="alert">
          {p.error}
        </p>
      )}
      <ul class="feed" aria-label="Conversations" aria-busy={p.loading}>
        {p.conversations.map((c, i) => {
          const profile = p.profiles.get(c.profile_id);
          const assignee = c.assignee_id ? (c.assignee_id === p.meId ? 'You' : (p.team.get(c.assignee_id)?.name ?? 'Someone')) : null;
          return (
            <li key={c.id} class="feed-item">
              <button
                type="button"
                id={`row-${c.id}`}
                class={`row${c.seen ? ' seen' : ' unseen'}${i === p.selected ? ' selected' : ''}${c.id === p.openId ? ' open' : ''}`}
                data-id={c.id}
                data-seen={String(c.seen)}
                aria-current={c.id === p.openId ? 'true' : undefined}
                onClick={() => p.onOpen(c, i)}
              >
                <span class="row-top">
                  <NetworkIcon network={c.network} />
                  <KindIcon kind={c.kind} />
                  <span class="author">{displayName(c.author, c.network)}</span>
                  {c.author.handle && c.author.name && <span class="handle">@{c.author.handle}</span>}
                  {!c.seen && <span class="unseen-dot" title="Unseen" aria-label="unseen" role="img" />}
                  <time class="age" dateTime={c.last_activity_at} title={when(c.last_activity_at)}>
                    {age(c.last_activity_at, p.now)}
                  </time>
                </span>
                <span class="excerpt">{c.excerpt}</span>
                <span class="row-meta">
                  {profile && <span class="profile">{profile.name}</span>}
                  {c.sponsored && <Sponsored />}
                  {c.status === 'closed' && <span class="badge">Closed</span>}
                  <span class={`assignee${assignee ? '' : ' none'}`}>{assignee ? `Assigned: ${assignee}` : 'Unassigned'}</span>
                </span>
              </button>
            </li>
          );
        })}
        <li ref={sentinel} class="sentinel" aria-hidden="true" />
      </ul>
      {p.hasMore && (
        <button type="button" class="more" onClick={p.onMore} disabled={p.loadingMore}>
          {p.loadingMore ? 'Loading…' : 'Load more'}
        </button>
      )}
    </>
  );
}

import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Client, describeError } from '../api';
import { KIND_LABEL, NETWORK_LABEL, age, displayName, hasMessagingWindow, maxLength, messagingWindow, when } from '../format';
import { highlight } from '../mentions';
import type { Conversation, Detail, HistoryEntry, Item, PostAnswer, Profile, TeamMember } from '../types';
import { KindIcon, NetworkIcon, Sponsored } from './Badges';
import { NoteBox } from './NoteBox';

/** What the page's keyboard shortcuts ask of the open conversation. */
export interface ConversationHandle {
  close: () => void;
}

interface Props {
  client: Client;
  id: string;
  meId: string;
  team: TeamMember[];
  teamById: Map<string, TeamMember>;
  profiles: Map<string, Profile>;
  /** Whether the account has Salesforce connected (the Case button shows only then). */
  salesforce: boolean;
  /** The feed's latest activity time for it: a newer one reloads the thread. */
  activityAt: string | null;
  handle: RefObject<ConversationHandle | null>;
  now: number;
  onChanged: (c: Conversation) => void;
  onBack: () => void;
}

const HISTORY_LABEL: Record<string, string> = {
  created: 'started the conversation',
  item_received: 'received a message',
  item_edited: 'saw a message edited',
  item_deleted: 'saw a message deleted',
  reopened: 'reopened it',
  closed: 'closed it',
  assigned: 'assigned it',
  unassigned: 'unassigned it',
  replied: 'replied',
  liked: 'liked it',
  shared: 'shared it',
  dm_sent: 'sent a direct message',
  note_added: 'added a note',
  case_created: 'created a Salesforce case',
  handover_changed: 'changed thread control',
};

export function ConversationView(p: Props) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [history, setHistory] = useState<HistoryEntry[] | null>(null);
  const [historyOpen, setHistoryOpen] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const { client, id } = p;

  async function reload() {
    try {
      const d = await client.conversation(id);
      setDetail(d);
      setError(null);
      return d;
    } catch (e) {
      setError(`Could not load the conversation: ${describeError(e)}`);
      return null;
    }
  }

  // Open: load it, mark it seen for me.
  useEffect(() => {
    let cancelled = false;
    setDetail(null);
    setHistory(null);
    setActionError(null);
    (async () => {
      const d = await reload();
      if (!d || cancelled) return;
      headingRef.current?.focus();
      try {
        const seen = await client.markSeen(id);
        if (cancelled) return;
        setDetail((cur) => (cur ? { ...cur, ...seen } : cur));
        p.onChanged(seen);
      } catch (e) {
        setActionError(`Could not mark it seen: ${describeError(e)}`);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [id]);

  // New activity seen by the feed's refresh: reload the thread (it stays unseen until reopened).
  useEffect(() => {
    if (detail && p.activityAt && p.activityAt !== detail.received_at) reload();
  }, [p.activityAt]);

  // While something we sent is on its way, follow it until it is sent or has failed; more
  // slowly while the network cannot take it and the inbox retries (minutes to hours).
  const outboundPending = detail?.items.filter((i) => i.direction === 'outbound' && i.state === 'pending') ?? [];
  const pending = outboundPending.length > 0;
  const onlyRetrying = pending && outboundPending.every((i) => i.retry);
  useEffect(() => {
    if (!pending) return;
    const t = setTimeout(reload, onlyRetrying ? 10000 : 700);
    return () => clearTimeout(t);
  }, [pending, onlyRetrying, detail]);

  useEffect(() => {
    if (historyOpen) client.history(id).then((h) => setHistory(h.history), (e) => setActionError(`Could not load the history: ${describeError(e)}`));
  }, [historyOpen, detail?.version]);

  async function act<T>(label: string, f: () => Promise<T>, after?: (r: T) => void) {
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
  }

  function changed(c: Conversation) {
    setDetail((cur) => (cur ? { ...cur, ...c } : cur));
    p.onChanged(c);
  }

  const setStatus = (status: 'open' | 'closed') =>
    act(status === 'closed' ? 'Could not close it' : 'Could not reopen it', () => client.setStatus(id, status), changed);

  p.handle.current = {
    close: () => detail && detail.status === 'open' && setStatus('closed'),
  };

  if (error && !detail) {
    return (
      <section class="conversation" aria-label="Conversation">
        <button type="button" class="back" onClick={p.onBack}>
          ← Back to the feed
        </button>
        <p class="error" role="alert">
          {error}
        </p>
        <button type="button" onClick={reload}>
          Try again
        </button>
      </section>
    );
  }
  if (!detail) {
    return (
      <section class="conversation" aria-busy="true" aria-label="Conversation">
        <p class="feed-empty">Loading the conversation…</p>
      </section>
    );
  }

  const c = detail;
  const profile = p.profiles.get(c.profile_id);
  const nameOf = (uid: string | null) => (uid === null ? 'The inbox' : uid === p.meId ? 'You' : (p.teamById.get(uid)?.name ?? 'Someone'));
  const items = [...c.items].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  const can = (a: string) => c.available_actions.includes(a as never);
  const isMessenger = c.network === 'facebook' && c.kind === 'dm';

  return (
    <section class="conversation" aria-labelledby="conv-title">
      <header class="conv-head">
        <button type="button" class="back" onClick={p.onBack}>
          ← Back<span class="sr-only"> to the feed</span>
        </button>
        <h2 id="conv-title" tabIndex={-1} ref={headingRef}>
          {displayName(c.author, c.network)}
          {c.author.handle && c.author.name && <span class="handle"> @{c.author.handle}</span>}
        </h2>
        <p class="conv-meta">
          <NetworkIcon network={c.network} /> <KindIcon kind={c.kind} /> {KIND_LABEL[c.kind]} on {profile?.name ?? NETWORK_LABEL[c.network]}
          {c.sponsored && <> {<Sponsored />}</>} · <span class={`status status-${c.status}`}>{c.status === 'open' ? 'Open' : 'Closed'}</span> ·{' '}
          <span class="conv-assignee">{c.assignee_id ? `Assigned to ${nameOf(c.assignee_id)}` : 'Unassigned'}</span>
        </p>
      </header>

      <div class="toolbar" role="toolbar" aria-label="Conversation actions">
        {c.status === 'open' ? (
          <button type="button" onClick={() => setStatus('closed')} disabled={busy !== null} aria-keyshortcuts="e">
            Close
          </button>
        ) : (
          <button type="button" onClick={() => setStatus('open')} disabled={busy !== null}>
            Reopen
          </button>
        )}
        <label class="assign">
          Assignee
          <select
            id="assign-select"
            value={c.assignee_id ?? ''}
            disabled={busy !== null}
            aria-keyshortcuts="a"
            onChange={(e) => {
              const v = e.currentTarget.value || null;
              act('Could not change the assignee', () => client.assign(id, v), changed);
            }}
          >
            <option value="">Unassigned</option>
            {p.team.map((u) => (
              <option key={u.id} value={u.id}>
                {u.id === p.meId ? `${u.name} (me)` : u.name}
              </option>
            ))}
          </select>
        </label>
        {c.assignee_id !== p.meId && (
          <button type="button" disabled={busy !== null} onClick={() => act('Could not assign it to you', () => client.assign(id, p.meId), changed)}>
            Assign to me
          </button>
        )}
        {can('like') && (
          <button type="button" disabled={busy !== null} onClick={() => act('Could not like it', () => client.act(id, 'like'), (r) => { changed(r.conversation); reload(); })}>
            Like
          </button>
        )}
        {can('share') && (
          <button type="button" disabled={busy !== null} onClick={() => act('Could not share it', () => client.act(id, 'share'), (r) => { changed(r.conversation); reload(); })}>
            {c.network === 'twitter' ? 'Repost' : 'Share'}
          </button>
        )}
        {isMessenger && (
          <>
            <button type="button" disabled={busy !== null} onClick={() => act('Could not take the thread', () => client.handover(id, 'take'), () => reload())}>
              Take from bot
            </button>
            <button type="button" disabled={busy !== null} onClick={() => act('Could not release the thread', () => client.handover(id, 'release'), () => reload())}>
              Release to bot
            </button>
          </>
        )}
        {c.salesforce_case ? (
          <a class="case-link" href={c.salesforce_case.url} target="_blank" rel="noopener noreferrer">
            Salesforce case {c.salesforce_case.id}
          </a>
        ) : (
          p.salesforce && (
            <button type="button" disabled={busy !== null} onClick={() => act('Could not create a Salesforce case', () => client.salesforceCase(id), () => reload())}>
              Create Salesforce case
            </button>
          )
        )}
      </div>
      {actionError && (
        <p class="error" role="alert">
          {actionError}
        </p>
      )}

      <Origin c={c} profile={profile} client={p.client} now={p.now} />

      <ol class="thread" aria-label="Messages">
        {items.map((i) => (
          <ThreadItem key={i.id} item={i} now={p.now} network={c.network} />
        ))}
      </ol>

      {can('reply') && (
        <Composer
          key={`reply-${id}`}
          kind="reply"
          c={c}
          client={client}
          now={p.now}
          onAccepted={(conv) => {
            changed(conv);
            reload();
          }}
        />
      )}
      {can('dm') && c.kind !== 'dm' && (
        <Composer key={`dm-${id}`} kind="dm" c={c} client={client} now={p.now} onAccepted={(conv) => { changed(conv); reload(); }} />
      )}

      <section class="notes" aria-labelledby="notes-title">
        <h3 id="notes-title">Internal notes</h3>
        {c.notes.length === 0 && <p class="hint">No notes yet. Notes are never sent to the network.</p>}
        <ul>
          {c.notes.map((n) => (
            <li key={n.id} class="note">
              <span class="note-author">{nameOf(n.author_id)}</span>{' '}
              <time dateTime={n.created_at} title={when(n.created_at)}>
                {age(n.created_at, p.now)}
              </time>
              <p>
                {highlight(n.text, p.team).map((part, k) =>
                  part.user ? (
                    <mark key={k} class="mention" title={part.user.email}>
                      {part.text}
                    </mark>
                  ) : (
                    part.text
                  ),
                )}
              </p>
            </li>
          ))}
        </ul>
        <NoteBox
          team={p.team}
          onSubmit={async (text) => {
            try {
              const note = await client.note(id, text);
              setDetail((cur) => (cur ? { ...cur, notes: [...cur.notes, note] } : cur));
            } catch (e) {
              throw new Error(describeError(e));
            }
          }}
        />
      </section>

      <details class="history" onToggle={(e) => setHistoryOpen((e.currentTarget as HTMLDetailsElement).open)}>
        <summary>History</summary>
        {history === null ? (
          <p aria-busy="true">Loading…</p>
        ) : (
          <ol>
            {history.map((h) => (
              <li key={h.id}>
                <time dateTime={h.at}>{when(h.at)}</time> — {h.actor === 'system' ? 'The inbox' : nameOf(h.actor)} {HISTORY_LABEL[h.action] ?? h.action}
                {describeDetails(h, nameOf)}
              </li>
            ))}
          </ol>
        )}
      </details>
    </section>
  );
}

function describeDetails(h: HistoryEntry, nameOf: (id: string | null) => string): string {
  const d = h.details ?? {};
  if (h.action === 'assigned' && typeof d.assignee_id === 'string') return ` to ${nameOf(d.assignee_id)}`;
  if (h.action === 'note_added' && Array.isArray(d.mentions) && d.mentions.length)
    return `, mentioning ${(d.mentions as string[]).map((m) => nameOf(m)).join(', ')}`;
  return '';
}

/** Waits before asking again for a post being fetched: 0.4 s, 0.8 s, ... up to 10 tries. */
export const POST_RETRY_MS = [400, 800, 1200, 1600, 2000, 2500, 3000, 3000, 3000, 3000];

/**
 * Where the conversation comes from: the post a comment is on (fetched from its network by
 * the server, shown once it is there), the mention, the DM.
 */
function Origin({ c, profile, client, now }: { c: Detail; profile?: Profile; client: Client; now: number }) {
  const where = profile ? `${profile.name}${profile.handle ? ` (@${profile.handle})` : ''}` : NETWORK_LABEL[c.network];
  let text: string;
  if (c.kind === 'comment' || c.kind === 'reply') text = `${c.kind === 'comment' ? 'Comment on a post' : 'Reply to a post'} of ${where}`;
  else if (c.kind === 'mention') text = `Mentions ${where}`;
  else if (c.kind === 'tag') text = `Tags ${where}`;
  else text = `Direct messages with ${where}`;
  return (
    <section class="origin" aria-label="Original post">
      <p class="origin-line">
        {text}
        {c.sponsored ? ', sponsored content' : ''}
      </p>
      {c.post_id && <OriginalPost id={c.id} network={c.network} client={client} now={now} />}
    </section>
  );
}

function OriginalPost({ id, network, client, now }: { id: string; network: Detail['network']; client: Client; now: number }) {
  const [answer, setAnswer] = useState<PostAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [gaveUp, setGaveUp] = useState(false);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setAnswer(null);
    setError(null);
    setGaveUp(false);
    const ask = (attempt: number) => {
      client.originalPost(id).then(
        (a) => {
          if (!live) return;
          setAnswer(a);
          if (a.status !== 'fetching') return;
          if (attempt < POST_RETRY_MS.length) timer = setTimeout(() => ask(attempt + 1), POST_RETRY_MS[attempt]);
          else setGaveUp(true);
        },
        (e) => live && setError(describeError(e)),
      );
    };
    ask(0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id, client, round]);
  const again = (
    <button type="button" onClick={() => setRound((r) => r + 1)}>
      Try again
    </button>
  );
  if (error) {
    return (
      <p class="post-note">
        The original post could not be loaded: {error} {again}
      </p>
    );
  }
  if (gaveUp) {
    return (
      <p class="post-note">
        The original post has not been read from {NETWORK_LABEL[network]} yet. {again}
      </p>
    );
  }
  if (!answer || answer.status === 'fetching') return <p class="post-note">Loading the original post…</p>;
  const post = answer.post;
  if (answer.status === 'unavailable' || !post) {
    return <p class="post-note">The original post could not be loaded from {NETWORK_LABEL[network]}: {post?.error ?? 'no answer'}</p>;
  }
  return (
    <figure class="post">
      {post.media_url && <img src={post.media_url} alt="" loading="lazy" referrerpolicy="no-referrer" />}
      <figcaption>
        <span class="post-author">{post.author_name ?? NETWORK_LABEL[network]}</span>
        {post.created_at && (
          <time dateTime={post.created_at} title={when(post.created_at)}>
            {age(post.created_at, now)}
          </time>
        )}
        {post.sponsored && <Sponsored />}
      </figcaption>
      {post.text ? <p class="post-text">{post.text}</p> : <p class="post-note">The post has no text.</p>}
      {post.permalink && (
        <a href={post.permalink} target="_blank" rel="noopener noreferrer">
          View on {NETWORK_LABEL[network]}
        </a>
      )}
    </figure>
  );
}

/** When the next try of an outbound item is due, in words: "in 2 min", "at 14:05". */
function retryWhen(nextAt: string, now: number): string {
  const secs = Math.round((Date.parse(nextAt) - now) / 1000);
  if (secs <= 5) return 'now';
  if (secs < 120) return `in ${secs} s`;
  if (secs < 3600) return `in ${Math.round(secs / 60)} min`;
  return `at ${new Date(nextAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
}

function ThreadItem({ item: i, now, network }: { item: Item; now: number; network: Detail['network'] }) {
  const out = i.direction === 'outbound';
  const what = i.action === 'like' ? 'Liked' : i.action === 'share' ? 'Shared' : i.action === 'dm' ? 'Private message' : null;
  return (
    <li class={`msg ${out ? 'out' : 'in'}${i.deleted ? ' deleted' : ''}`} data-state={i.state}>
      <div class="msg-head">
        <span class="msg-author">{displayName(i.author, network)}</span>
        {what && <span class="badge">{what}</span>}
        <time dateTime={i.created_at} title={when(i.created_at)}>
          {age(i.created_at, now)}
        </time>
        {i.edited && <span class="badge">Edited</span>}
        {i.deleted && <span class="badge badge-warn">Deleted on the network</span>}
        {out && i.state === 'pending' && !i.retry && <span class="badge">Sending…</span>}
        {out && i.state === 'pending' && i.retry && <span class="badge badge-warn">Retrying</span>}
        {out && i.state === 'sent' && <span class="badge badge-ok">Sent</span>}
        {out && i.state === 'failed' && <span class="badge badge-warn">Not sent</span>}
      </div>
      {i.text && <p class="msg-text">{i.deleted ? <s>{i.text}</s> : i.text}</p>}
      {out && i.state === 'failed' && i.failure && <p class="failure">Not sent: {i.failure}</p>}
      {out && i.state === 'pending' && i.retry && (
        <p class="failure" role="status">
          Not sent yet, trying again {retryWhen(i.retry.next_at, now)} (try {i.retry.attempts + 1}){i.failure ? `: ${i.failure}` : ''}
        </p>
      )}
    </li>
  );
}

interface ComposerProps {
  kind: 'reply' | 'dm';
  c: Detail;
  client: Client;
  now: number;
  onAccepted: (c: Conversation) => void;
}

/**
 * A reply or DM box. The text stays in the box until the network has it: the API accepts the
 * send (202, pending) and the outbound worker then records `sent` or `failed` with a reason;
 * on failure the reason is shown and the text kept, to try again.
 */
function Composer({ kind, c, client, now, onAccepted }: ComposerProps) {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [itemId, setItemId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const max = maxLength(c.network, kind);
  const item = itemId ? c.items.find((i) => i.id === itemId) : undefined;

  useEffect(() => {
    if (!item) return;
    if (item.state === 'sent') {
      setText('');
      setItemId(null);
      setNotice(kind === 'reply' ? 'Reply sent.' : 'Message sent.');
    } else if (item.state === 'failed') {
      setItemId(null);
      setError(`Your ${kind === 'reply' ? 'reply' : 'message'} did not go out: ${item.failure ?? 'the network refused it'}. The text is still here to try again.`);
    } else if (item.retry) {
      setNotice(`Not sent yet: ${item.failure ?? 'the network could not take it'}. The inbox tries again by itself.`);
    }
  }, [item?.state, item?.retry?.attempts]);

  const windowInfo = kind === 'reply' && hasMessagingWindow(c) ? messagingWindow(c.last_activity_at, now) : null;
  const id = `${kind}-input`;
  const count = [...text].length;
  const waiting = sending || itemId !== null;

  async function send(e: Event) {
    e.preventDefault();
    if (!text.trim() || waiting) return;
    setSending(true);
    setError(null);
    setNotice(null);
    try {
      const r = kind === 'reply' ? await client.act(c.id, 'reply', text) : await client.act(c.id, 'dm', text);
      setItemId(r.item.id);
      onAccepted(r.conversation);
    } catch (err) {
      setError(`Your ${kind === 'reply' ? 'reply' : 'message'} was not sent: ${describeError(err)} The text is still here to try again.`);
    } finally {
      setSending(false);
    }
  }

  return (
    <form class="composer" onSubmit={send} aria-label={kind === 'reply' ? 'Reply' : 'Direct message'}>
      <label for={id}>{kind === 'reply' ? `Reply to ${displayName(c.author, c.network)}` : `Send ${displayName(c.author, c.network)} a private message`}</label>
      {windowInfo && <p class={`window${windowInfo.open ? '' : ' closed'}`}>{windowInfo.text}</p>}
      <textarea
        id={id}
        rows={3}
        value={text}
        aria-describedby={`${id}-count`}
        aria-invalid={count > max}
        aria-keyshortcuts={kind === 'reply' ? 'r' : undefined}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) send(e);
        }}
      />
      <div class="composer-foot">
        <span id={`${id}-count`} class={count > max ? 'over' : 'count'}>
          {count}/{max}
        </span>
        <button type="submit" class="primary" disabled={waiting || !text.trim() || count > max || (windowInfo !== null && !windowInfo.open)}>
          {sending ? 'Sending…' : itemId ? 'Waiting for the network…' : kind === 'reply' ? 'Send reply' : 'Send message'}
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {notice && !error && (
        <p class="ok" role="status">
          {notice}
        </p>
      )}
    </form>
  );
}

import type { RefObject } from 'preact';
import type { Client } from '../api';
import { KIND_LABEL, NETWORK_LABEL, displayName } from '../format';
import { useConversation } from '../hooks/useConversation';
import type { Conversation, Profile, TeamMember } from '../types';
import { KindIcon, NetworkIcon, Sponsored } from './Badges';
import { Composer } from './Composer';
import { ConversationToolbar } from './ConversationToolbar';
import { History } from './History';
import { Notes } from './Notes';
import { Origin } from './Origin';
import { ThreadItem } from './ThreadItem';

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

/** The open conversation: who and where, its actions, the thread, the reply box, notes, history. */
export function ConversationView(p: Props) {
  const { client, id } = p;
  const { detail, error, actionError, setActionError, busy, headingRef, reload, act, changed, addNote } = useConversation(client, id, p.activityAt, p.onChanged);

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
  const accepted = (conv: Conversation) => {
    changed(conv);
    reload();
  };

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

      <ConversationToolbar
        id={id}
        c={c}
        client={client}
        team={p.team}
        meId={p.meId}
        salesforce={p.salesforce}
        busy={busy !== null}
        act={act}
        setStatus={setStatus}
        changed={changed}
        reload={reload}
      />
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

      {can('reply') && <Composer key={`reply-${id}`} kind="reply" c={c} client={client} now={p.now} onAccepted={accepted} />}
      {can('dm') && c.kind !== 'dm' && <Composer key={`dm-${id}`} kind="dm" c={c} client={client} now={p.now} onAccepted={accepted} />}

      <Notes notes={c.notes} team={p.team} now={p.now} nameOf={nameOf} onAdd={addNote} />

      <History client={client} id={id} version={c.version} nameOf={nameOf} onError={setActionError} />
    </section>
  );
}

import type { Client } from '../api';
import type { Act } from '../hooks/useConversation';
import type { Conversation, Detail, TeamMember } from '../types';

interface Props {
  /** The conversation's id (as opened) and its details. */
  id: string;
  c: Detail;
  client: Client;
  team: TeamMember[];
  meId: string;
  /** Whether the account has Salesforce connected (the Case button shows only then). */
  salesforce: boolean;
  /** An action is under way: the others wait. */
  busy: boolean;
  act: Act;
  setStatus: (status: 'open' | 'closed') => void;
  changed: (c: Conversation) => void;
  reload: () => void;
}

/** What can be done to a conversation: close or reopen, assign, like, share, hand over, a case. */
export function ConversationToolbar({ id, c, client, team, meId, salesforce, busy, act, setStatus, changed, reload }: Props) {
  const can = (a: string) => c.available_actions.includes(a as never);
  const isMessenger = c.network === 'facebook' && c.kind === 'dm';
  return (
    <div class="toolbar" role="toolbar" aria-label="Conversation actions">
      {c.status === 'open' ? (
        <button type="button" onClick={() => setStatus('closed')} disabled={busy} aria-keyshortcuts="e">
          Close
        </button>
      ) : (
        <button type="button" onClick={() => setStatus('open')} disabled={busy}>
          Reopen
        </button>
      )}
      <label class="assign">
        Assignee
        <select
          id="assign-select"
          value={c.assignee_id ?? ''}
          disabled={busy}
          aria-keyshortcuts="a"
          onChange={(e) => {
            const v = e.currentTarget.value || null;
            act('Could not change the assignee', () => client.assign(id, v), changed);
          }}
        >
          <option value="">Unassigned</option>
          {team.map((u) => (
            <option key={u.id} value={u.id}>
              {u.id === meId ? `${u.name} (me)` : u.name}
            </option>
          ))}
        </select>
      </label>
      {c.assignee_id !== meId && (
        <button type="button" disabled={busy} onClick={() => act('Could not assign it to you', () => client.assign(id, meId), changed)}>
          Assign to me
        </button>
      )}
      {can('like') && (
        <button type="button" disabled={busy} onClick={() => act('Could not like it', () => client.act(id, 'like'), (r) => { changed(r.conversation); reload(); })}>
          Like
        </button>
      )}
      {can('share') && (
        <button type="button" disabled={busy} onClick={() => act('Could not share it', () => client.act(id, 'share'), (r) => { changed(r.conversation); reload(); })}>
          {c.network === 'twitter' ? 'Repost' : 'Share'}
        </button>
      )}
      {isMessenger && (
        <>
          <button type="button" disabled={busy} onClick={() => act('Could not take the thread', () => client.handover(id, 'take'), () => reload())}>
            Take from bot
          </button>
          <button type="button" disabled={busy} onClick={() => act('Could not release the thread', () => client.handover(id, 'release'), () => reload())}>
            Release to bot
          </button>
        </>
      )}
      {c.salesforce_case ? (
        <a class="case-link" href={c.salesforce_case.url} target="_blank" rel="noopener noreferrer">
          Salesforce case {c.salesforce_case.id}
        </a>
      ) : (
        salesforce && (
          <button type="button" disabled={busy} onClick={() => act('Could not create a Salesforce case', () => client.salesforceCase(id), () => reload())}>
            Create Salesforce case
          </button>
        )
      )}
    </div>
  );
}

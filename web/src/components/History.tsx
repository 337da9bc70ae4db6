import { useState } from 'preact/hooks';
import type { Client } from '../api';
import { when } from '../format';
import { useHistory } from '../hooks/useHistory';
import type { HistoryEntry } from '../types';

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

function describeDetails(h: HistoryEntry, nameOf: (id: string | null) => string): string {
  const d = h.details ?? {};
  if (h.action === 'assigned' && typeof d.assignee_id === 'string') return ` to ${nameOf(d.assignee_id)}`;
  if (h.action === 'note_added' && Array.isArray(d.mentions) && d.mentions.length)
    return `, mentioning ${(d.mentions as string[]).map((m) => nameOf(m)).join(', ')}`;
  return '';
}

interface Props {
  client: Client;
  /** The conversation, and its version: a new one asks for the history again while shown. */
  id: string;
  version: number;
  nameOf: (id: string | null) => string;
  onError: (message: string) => void;
}

/** A conversation's history, folded; asked for when unfolded. */
export function History({ client, id, version, nameOf, onError }: Props) {
  const [open, setOpen] = useState(false);
  const history = useHistory(client, id, open, version, onError);
  return (
    <details class="history" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
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
  );
}

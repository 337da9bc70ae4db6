import { useEffect, useState } from 'preact/hooks';
import type { Client } from '../api';
import { displayName, hasMessagingWindow, maxLength, messagingWindow } from '../format';
import { useComposer } from '../hooks/useComposer';
import { type SavedRepliesAnswer, useSavedReplies } from '../hooks/useSavedReplies';
import type { Conversation, Detail, SavedReply } from '../types';
import { SaveAsReply, SavedReplyPicker } from './SavedReplies';

interface Props {
  kind: 'reply' | 'dm';
  c: Detail;
  client: Client;
  now: number;
  onAccepted: (c: Conversation) => void;
}

/**
 * A reply or DM box. The text stays in the box until the network has it: the API accepts the
 * send (202, pending) and the outbound worker then records `sent` or `failed` with a reason;
 * on failure the reason is shown and the text kept, to try again. Typing `/` first finds the
 * account's saved replies, filled in for this conversation.
 */
export function Composer({ kind, c, client, now, onAccepted }: Props) {
  const { text, setText, sending, waiting, itemId, error, notice, send } = useComposer(kind, c, client, onAccepted);
  const max = maxLength(c.network, kind);
  const windowInfo = kind === 'reply' && hasMessagingWindow(c) ? messagingWindow(c.last_activity_at, now) : null;
  const id = `${kind}-input`;
  const count = [...text].length;
  // `/words` at the start of the box: the saved replies those words find (until Escape says
  // the slash is meant, as in a reply that starts with "/r/camping").
  const [dismissed, setDismissed] = useState(false);
  const slashed = text.startsWith('/') && !text.includes('\n');
  useEffect(() => {
    if (!slashed) setDismissed(false);
  }, [slashed]);
  const picking = slashed && !dismissed;
  const query = text.slice(1);
  // What the query found, once it answered: Enter never picks from an older answer.
  const optionId = (r: SavedReply) => `${id}-saved-${r.id}`;
  const answer = useSavedReplies(client, c.id, kind, query, picking);
  const current = picking && answer?.query === query ? answer.replies : [];
  // The highlighted one, counted within the answer it was chosen in (a new answer starts at
  // its first).
  const [chosen, setChosen] = useState<{ in: SavedRepliesAnswer | null; at: number }>({ in: null, at: 0 });
  const active = chosen.in === answer ? chosen.at : 0;
  const activeId = current[active] ? optionId(current[active]) : undefined;
  useEffect(() => {
    if (activeId) document.getElementById(activeId)?.scrollIntoView?.({ block: 'nearest' });
  }, [activeId]);
  const pick = (r: SavedReply) => setText(r.filled?.text ?? r.text);

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
        aria-controls={picking ? `${id}-saved` : undefined}
        aria-activedescendant={activeId}
        placeholder="Type / to find a saved reply"
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          const plain = !e.ctrlKey && !e.metaKey && !e.shiftKey && !e.altKey && !e.isComposing;
          if (current.length > 0 && plain && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
            e.preventDefault();
            const step = e.key === 'ArrowDown' ? 1 : current.length - 1;
            setChosen((ch) => ({ in: answer, at: ((ch.in === answer ? ch.at : 0) + step) % current.length }));
          } else if (current[active] && plain && e.key === 'Enter') {
            e.preventDefault();
            pick(current[active]);
          } else if (picking && e.key === 'Escape') {
            // Closes the list only: the text stays, and the conversation stays open.
            e.preventDefault();
            e.stopPropagation();
            setDismissed(true);
          } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) send(e);
        }}
      />
      {picking && (
        <div id={`${id}-saved`}>
          <SavedReplyPicker query={query} answer={answer} active={active} optionId={optionId} onPick={pick} />
        </div>
      )}
      <div class="composer-foot">
        <span id={`${id}-count`} class={count > max ? 'over' : 'count'}>
          {count}/{max}
        </span>
        <button type="submit" class="primary" disabled={waiting || !text.trim() || count > max || (windowInfo !== null && !windowInfo.open)}>
          {sending ? 'Sending…' : itemId ? 'Waiting for the network…' : kind === 'reply' ? 'Send reply' : 'Send message'}
        </button>
      </div>
      {!picking && <SaveAsReply client={client} text={text} id={id} />}
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

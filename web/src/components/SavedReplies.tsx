import { useState } from 'preact/hooks';
import { type Client, describeError } from '../api';
import type { SavedRepliesAnswer } from '../hooks/useSavedReplies';
import type { SavedReply } from '../types';

interface PickerProps {
  /** Words to find replies by (what follows `/` in the reply box). */
  query: string;
  /** The answer for that query, or none yet (`useSavedReplies`). */
  answer: SavedRepliesAnswer | null;
  /** The highlighted reply (arrow keys in the reply box move it). */
  active: number;
  /** Each option's element id (unique on the page: the reply and DM boxes may both list). */
  optionId: (reply: SavedReply) => string;
  onPick: (reply: SavedReply) => void;
}

/**
 * The saved replies a query found, filled in for this conversation: typing `/` and words in
 * the reply box shows them, arrows move, Enter (or a click) puts the chosen one in the box.
 */
export function SavedReplyPicker({ query, answer, active, optionId, onPick }: PickerProps) {
  if (answer?.error) {
    return (
      <p class="error" role="alert">
        {answer.error}
      </p>
    );
  }
  if (!answer || answer.query !== query) return <p class="saved-replies muted">Looking for saved replies…</p>;
  const found = answer.replies;
  if (found.length === 0) {
    return (
      <p class="saved-replies muted" role="status">
        {query.trim() ? `No saved reply has “${query.trim()}”.` : 'No saved replies yet: write a reply, then “Save as a saved reply”.'}
      </p>
    );
  }
  return (
    <>
      <p class="sr-only" role="status">
        {found.length === 1 ? 'One saved reply found: Enter puts it in the box.' : `${found.length} saved replies found: arrows choose, Enter puts one in the box.`}
      </p>
      <ul class="saved-replies" role="listbox" aria-label="Saved replies">
      {found.map((r, i) => (
        <li
          key={r.id}
          id={optionId(r)}
          role="option"
          aria-selected={i === active}
          class={i === active ? 'active' : undefined}
          onMouseDown={(e) => {
            e.preventDefault();
            onPick(r);
          }}
        >
          <strong>{r.title}</strong>
          <span class="preview">{r.filled?.text ?? r.text}</span>
          {r.filled && !r.filled.fits && (
            <span class="over">
              {' '}
              too long here ({r.filled.chars}/{r.filled.limit})
            </span>
          )}
          {r.filled && r.filled.empty.length > 0 && (
            <span class="over">
              {' '}
              nothing to put for {r.filled.empty.map((p) => `{${p}}`).join(', ')} here: check the text
            </span>
          )}
        </li>
      ))}
      </ul>
    </>
  );
}

interface SaveProps {
  client: Client;
  text: string;
  /** The reply box's id (the title field's id is made from it). */
  id: string;
}

/**
 * Saves what the reply box holds as a saved reply of the account, under a title. It sits in
 * the reply's form: Enter in the title saves, never sends the reply.
 */
export function SaveAsReply({ client, text, id }: SaveProps) {
  const [title, setTitle] = useState('');
  const [open, setOpen] = useState(false);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  async function save() {
    if (saving || !title.trim() || !text.trim()) return;
    setSaving(true);
    try {
      await client.createSavedReply(title, text);
      setMessage({ ok: true, text: `Saved as “${title.trim()}”: type / in a reply box to use it.` });
      setTitle('');
      setOpen(false);
    } catch (e) {
      setMessage({ ok: false, text: `Not saved: ${describeError(e)}` });
    } finally {
      setSaving(false);
    }
  }

  return (
    <div class="save-as-reply">
      {open ? (
        <span>
          <input
            id={`${id}-save-title`}
            aria-label="Title of the saved reply"
            placeholder="Title"
            value={title}
            maxLength={80}
            onInput={(e) => setTitle(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                void save();
              } else if (e.key === 'Escape') {
                e.preventDefault();
                e.stopPropagation();
                setOpen(false);
              }
            }}
          />
          <button type="button" disabled={saving || !title.trim() || !text.trim()} onClick={save}>
            {saving ? 'Saving…' : 'Save reply'}
          </button>
          <button type="button" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <button type="button" class="link" disabled={!text.trim() || text.startsWith('/')} onClick={() => setOpen(true)}>
          Save as a saved reply
        </button>
      )}
      {message && (
        <p class={message.ok ? 'ok' : 'error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
    </div>
  );
}

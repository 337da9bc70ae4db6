import { useState } from 'preact/hooks';
import { ApiError, type Client } from '../api';
import { when } from '../format';
import { useAction } from '../hooks/useAction';
import { useLoad } from '../hooks/useLoad';
import type { Me, SavedReply } from '../types';
import { Confirm } from './Confirm';
import { SettingsForm } from './SettingsForm';

const loadReplies = (c: Client) =>
  Promise.all([c.savedReplies(''), c.team()]).then(([r, t]) => ({ replies: r.saved_replies, names: new Map(t.users.map((u) => [u.id, u.name])) }));

const PLACEHOLDER_HINT = '{first_name}, {name}, {handle} (the author’s), {agent_name}, {agent_first_name} (yours), {profile_name} (the channel’s)';

interface FormProps {
  id: string;
  label: string;
  initial: { title: string; text: string };
  submit: string;
  onSave: (title: string, text: string) => Promise<void>;
  onCancel?: () => void;
}

function ReplyForm({ id, label, initial, submit, onSave, onCancel }: FormProps) {
  const [title, setTitle] = useState(initial.title);
  const [text, setText] = useState(initial.text);
  const { busy, error, run } = useAction();
  return (
    <SettingsForm
      label={label}
      onSubmit={(e) => {
        e.preventDefault();
        if (title.trim() && text.trim()) void run(() => onSave(title, text), `Could not save “${title.trim()}”`);
      }}
      onCancel={onCancel}
      error={error}
      busy={busy}
      submitLabel={submit}
    >
      <div class="field">
        <label for={`${id}-title`}>Title</label>
        <input id={`${id}-title`} required maxLength={80} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for={`${id}-text`}>Text</label>
        <textarea id={`${id}-text`} required rows={4} maxLength={10000} value={text} aria-describedby={`${id}-hint`} onInput={(e) => setText(e.currentTarget.value)} />
        <p id={`${id}-hint`} class="hint">
          Placeholders: {PLACEHOLDER_HINT}.
        </p>
      </div>
    </SettingsForm>
  );
}

/** Settings › Saved replies: the account's library; its authors and admins change or remove them. */
export function SavedReplySettings({ client, me }: { client: Client; me: Me }) {
  const replies = useLoad(client, loadReplies);
  const [editing, setEditing] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const mayChange = (r: SavedReply) => me.permissions.admin || r.created_by === me.user.id;
  const sorted = (list: SavedReply[]) => [...list].sort((a, b) => a.title.localeCompare(b.title));

  return (
    <>
      <p class="hint">Everyone in the account finds these by typing / and a word in a reply box; each is filled in for the conversation it is used in.</p>
      <p class="ok" role="status">
        {status}
      </p>
      {replies.error && (
        <p class="error" role="alert">
          Could not load the saved replies: {replies.error}{' '}
          <button type="button" class="small" onClick={replies.reload}>
            Try again
          </button>
        </p>
      )}
      {replies.loading && !replies.data && <p aria-busy="true">Loading the saved replies…</p>}
      {replies.data && replies.data.replies.length === 0 && <p>No saved replies yet.</p>}
      {replies.data && replies.data.replies.length > 0 && (
        <ul class="cards" aria-label="Saved replies">
          {replies.data.replies.map((r) => (
            <li key={r.id} class="card">
              {editing === r.id ? (
                <ReplyForm
                  id={`edit-${r.id}`}
                  label={`Change ${r.title}`}
                  initial={r}
                  submit="Save changes"
                  onCancel={() => setEditing(null)}
                  onSave={async (title, text) => {
                    let changed;
                    try {
                      changed = await client.updateSavedReply(r.id, { title, text, version: r.version });
                    } catch (e) {
                      // Changed by someone else since it was listed: show theirs, to change again.
                      if (e instanceof ApiError && e.status === 409) replies.reload();
                      throw e;
                    }
                    replies.update((d) => ({ ...d, replies: sorted(d.replies.map((x) => (x.id === r.id ? { ...changed, filled: null } : x))) }));
                    setEditing(null);
                    setStatus(`Saved “${changed.title}”.`);
                  }}
                />
              ) : (
                <>
                  <div class="card-head">
                    <h3>{r.title}</h3>
                  </div>
                  <p class="card-line saved-text">{r.text}</p>
                  <p class="card-line hint">
                    By {replies.data!.names.get(r.created_by) ?? 'someone no longer in the team'}, {when(r.updated_at)}.
                  </p>
                  {mayChange(r) && (
                    <div class="actions">
                      <button type="button" class="small" aria-label={`Change ${r.title}`} onClick={() => setEditing(r.id)}>
                        Change
                      </button>
                      <button type="button" class="small danger" id={`remove-reply-${r.id}`} aria-label={`Remove ${r.title}`} onClick={() => setRemoving(r.id)}>
                        Remove
                      </button>
                    </div>
                  )}
                </>
              )}
              {removing === r.id && (
                <Confirm
                  label={`Remove ${r.title}`}
                  confirm="Remove"
                  returnFocus="new-reply-title"
                  onCancel={() => setRemoving(null)}
                  onConfirm={async () => {
                    await client.deleteSavedReply(r.id);
                    replies.update((d) => ({ ...d, replies: d.replies.filter((x) => x.id !== r.id) }));
                    setRemoving(null);
                    setStatus(`Removed “${r.title}”.`);
                  }}
                >
                  Remove the saved reply “{r.title}” for everyone in the account?
                </Confirm>
              )}
            </li>
          ))}
        </ul>
      )}
      {(me.permissions.inbox_access || me.permissions.admin) && (
      <section class="settings-block" aria-labelledby="add-reply-title">
        <h3 id="add-reply-title">Add a saved reply</h3>
        <ReplyForm
          key={replies.data?.replies.length ?? 0}
          id="new-reply"
          label="Add a saved reply"
          initial={{ title: '', text: '' }}
          submit="Add saved reply"
          onSave={async (title, text) => {
            const made = await client.createSavedReply(title, text);
            replies.update((d) => ({ ...d, replies: sorted([...d.replies, made]) }));
            setStatus(`Added “${made.title}”.`);
          }}
        />
      </section>
      )}
    </>
  );
}

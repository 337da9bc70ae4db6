import { useState } from 'preact/hooks';
import type { Client } from '../api';
import { focusSoon } from '../focus';
import { useLoad } from '../hooks/useLoad';
import type { AccountProfile, Me, User } from '../types';
import { Confirm } from './Confirm';
import { UserForm } from './UserForm';

const loadTeam = (c: Client) =>
  Promise.all([c.users(), c.profiles()]).then(([u, p]) => ({ users: byName(u.users), profiles: p.profiles }));

const byName = (users: User[]) => [...users].sort((a, b) => a.name.localeCompare(b.name));

/** What a teammate may see, in words. */
function access(u: User, profiles: AccountProfile[]): string {
  const inbox = u.inbox_access ? '' : 'No inbox access. ';
  if (u.role === 'admin') return `${inbox}Sees every profile.`;
  const names = profiles.filter((p) => u.profile_ids.includes(p.id)).map((p) => p.name);
  return `${inbox}${names.length ? `Sees ${names.join(', ')}.` : 'Sees no profiles.'}`;
}

/** Settings › Team: the account's users; add, edit, remove. */
export function TeamSettings({ client, me }: { client: Client; me: Me }) {
  const team = useLoad(client, loadTeam);
  const [editing, setEditing] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  // A new key empties the add form after a teammate was added.
  const [added, setAdded] = useState(0);
  const profiles = team.data?.profiles ?? [];

  const replace = (u: User) => team.update((t) => ({ ...t, users: byName(t.users.map((x) => (x.id === u.id ? u : x))) }));

  return (
    <>
      <p class="hint">Who can sign in to this inbox, and which profiles each one sees.</p>
      <p class="ok" role="status">
        {status}
      </p>
      {team.error && (
        <p class="error" role="alert">
          Could not load the team: {team.error}{' '}
          <button type="button" class="small" onClick={team.reload}>
            Try again
          </button>
        </p>
      )}
      {team.loading && !team.data && <p aria-busy="true">Loading the team…</p>}
      {team.data && (
        <ul class="cards" aria-label="Teammates">
          {team.data.users.map((u) => (
            <li key={u.id} class="card">
              {editing === u.id ? (
                <UserForm
                  idPrefix={`user-${u.id}`}
                  label={`Edit ${u.name}`}
                  initial={u}
                  profiles={profiles}
                  submitLabel="Save changes"
                  autoFocus
                  onSubmit={async (input) => {
                    const saved = await client.updateUser(u.id, input);
                    replace(saved);
                    setEditing(null);
                    setStatus(`Saved the changes to ${saved.name}.`);
                    focusSoon(`edit-user-${u.id}`);
                  }}
                  onCancel={() => {
                    setEditing(null);
                    focusSoon(`edit-user-${u.id}`);
                  }}
                />
              ) : (
                <>
                  <div class="card-head">
                    <h3>
                      {u.name}
                      {u.id === me.user.id && <span class="hint"> (you)</span>}
                    </h3>
                    <span class="badge">{u.role === 'admin' ? 'Admin' : 'Member'}</span>
                  </div>
                  <p class="card-line">{u.email}</p>
                  <p class="card-line hint">
                    {access(u, profiles)} {u.email_notifications ? 'Gets notification emails.' : 'No notification emails.'}
                  </p>
                  <div class="actions">
                    <button
                      type="button"
                      class="small"
                      id={`edit-user-${u.id}`}
                      aria-label={`Edit ${u.name}`}
                      onClick={() => {
                        setRemoving(null);
                        setEditing(u.id);
                      }}
                    >
                      Edit
                    </button>
                    {u.id !== me.user.id && (
                      <button type="button" class="small danger" id={`remove-user-${u.id}`} aria-label={`Remove ${u.name}`} onClick={() => setRemoving(u.id)}>
                        Remove
                      </button>
                    )}
                  </div>
                  {removing === u.id && (
                    <Confirm
                      label={`Remove ${u.name}`}
                      confirm="Remove"
                      returnFocus={`remove-user-${u.id}`}
                      onCancel={() => setRemoving(null)}
                      onConfirm={async () => {
                        await client.deleteUser(u.id);
                        team.update((t) => ({ ...t, users: t.users.filter((x) => x.id !== u.id) }));
                        setRemoving(null);
                        setStatus(`Removed ${u.name} from the team.`);
                        focusSoon('settings-title');
                      }}
                    >
                      Remove {u.name} from the team? They will no longer be able to sign in; what they did in the inbox stays.
                    </Confirm>
                  )}
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {team.data && (
        <section class="settings-block" aria-labelledby="add-user-title">
          <h3 id="add-user-title">Add a teammate</h3>
          <UserForm
            key={added}
            idPrefix="new-user"
            label="Add a teammate"
            profiles={profiles}
            submitLabel="Add teammate"
            onSubmit={async (input) => {
              const u = await client.createUser(input);
              team.update((t) => ({ ...t, users: byName([...t.users, u]) }));
              setAdded((n) => n + 1);
              setStatus(`Added ${u.name} to the team.`);
            }}
          />
        </section>
      )}
    </>
  );
}

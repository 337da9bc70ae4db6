import { useEffect, useRef, useState } from 'preact/hooks';
import { NETWORK_LABEL } from '../format';
import { useAction } from '../hooks/useAction';
import { SettingsForm } from './SettingsForm';
import type { AccountProfile, Role, User, UserInput } from '../types';

interface Props {
  /** Makes the fields' ids unique on the page. */
  idPrefix: string;
  /** The form's name for assistive technology. */
  label: string;
  initial?: User;
  profiles: AccountProfile[];
  submitLabel: string;
  /** Saves; a rejection is shown in words and the form keeps what was typed. */
  onSubmit: (u: UserInput) => Promise<void>;
  /** Closes the form (Cancel, Escape); an add form that stays open has none. */
  onCancel?: () => void;
  /** Focus the first field when the form opens. */
  autoFocus?: boolean;
}

/** A teammate's name, email, role, inbox access, notification emails and profiles. */
export function UserForm({ idPrefix, label, initial, profiles, submitLabel, onSubmit, onCancel, autoFocus }: Props) {
  const [name, setName] = useState(initial?.name ?? '');
  const [email, setEmail] = useState(initial?.email ?? '');
  const [role, setRole] = useState<Role>(initial?.role ?? 'member');
  const [inboxAccess, setInboxAccess] = useState(initial?.inbox_access ?? true);
  const [emails, setEmails] = useState(initial?.email_notifications ?? true);
  const [chosen, setChosen] = useState<string[]>(initial?.profile_ids ?? []);
  const { busy, error, run } = useAction();
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (autoFocus) first.current?.focus();
  }, [autoFocus]);

  const id = (f: string) => `${idPrefix}-${f}`;

  async function submit(e: Event) {
    e.preventDefault();
    await run(() =>
      onSubmit({
        name: name.trim(),
        email: email.trim(),
        role,
        inbox_access: inboxAccess,
        email_notifications: emails,
        // Only profiles that still exist (one may have been disconnected meanwhile).
        profile_ids: chosen.filter((p) => profiles.some((x) => x.id === p)),
      }),
    );
  }

  return (
    <SettingsForm label={label} onSubmit={submit} onCancel={onCancel} error={error} busy={busy} submitLabel={submitLabel}>
      <div class="field">
        <label for={id('name')}>Name</label>
        <input id={id('name')} ref={first} required maxLength={100} autoComplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for={id('email')}>Email</label>
        <input id={id('email')} type="email" required maxLength={254} autoComplete="off" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for={id('role')}>Role</label>
        <select id={id('role')} value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
          <option value="member">Member</option>
          <option value="admin">Admin</option>
        </select>
      </div>
      <div class="field-row">
        <label class="check">
          <input type="checkbox" checked={inboxAccess} aria-describedby={id('inbox-hint')} onChange={(e) => setInboxAccess(e.currentTarget.checked)} />
          Inbox access
        </label>
        <span class="hint" id={id('inbox-hint')}>
          Reads and answers conversations.
        </span>
      </div>
      <div class="field-row">
        <label class="check">
          <input type="checkbox" checked={emails} aria-describedby={id('emails-hint')} onChange={(e) => setEmails(e.currentTarget.checked)} />
          Email notifications
        </label>
        <span class="hint" id={id('emails-hint')}>
          Notifications by email as well as in the inbox.
        </span>
      </div>
      {role === 'admin' ? (
        <p class="hint">
          Admins see every profile.
        </p>
      ) : (
        <fieldset class="checks profile-checks">
          <legend>Profiles they may see</legend>
          {profiles.length === 0 && <p class="hint">No profiles are connected yet: connect one under Channels.</p>}
          {profiles.map((p) => (
            <label class="check" key={p.id}>
              <input
                type="checkbox"
                checked={chosen.includes(p.id)}
                onChange={(e) => {
                  const on = e.currentTarget.checked;
                  setChosen((c) => (on ? [...c.filter((x) => x !== p.id), p.id] : c.filter((x) => x !== p.id)));
                }}
              />
              {p.name} ({NETWORK_LABEL[p.network]})
            </label>
          ))}
        </fieldset>
      )}
    </SettingsForm>
  );
}

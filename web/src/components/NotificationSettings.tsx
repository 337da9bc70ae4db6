import { useState } from 'preact/hooks';
import type { Client } from '../api';
import { useAction } from '../hooks/useAction';
import type { Me, User } from '../types';

interface Props {
  client: Client;
  me: Me;
  onSaved: (u: User) => void;
  /** Arrived from an email's unsubscribe link (`?unsubscribed=1`): the inbox already turned them off. */
  unsubscribed: boolean;
}

/** Settings › Notifications (everyone): whether the caller's notifications also come by email. */
export function NotificationSettings({ client, me, onSaved, unsubscribed }: Props) {
  const [on, setOn] = useState(me.user.email_notifications);
  const { busy, error, run } = useAction();
  const [status, setStatus] = useState(unsubscribed ? 'You will no longer get notification emails.' : '');

  async function change(next: boolean) {
    setOn(next);
    setStatus('');
    const saved = await run(async () => {
      const u = await client.setEmailNotifications(next);
      setOn(u.email_notifications);
      onSaved(u);
      setStatus(u.email_notifications ? `Saved: notifications will also be emailed to ${u.email}.` : 'Saved: you will no longer get notification emails.');
    }, 'Could not change your notification emails');
    if (!saved) setOn(!next);
  }

  return (
    <>
      <p class="hint">The bell shows every notification (assignments, mentions, notes). They can also come by email.</p>
      <div class="field-row">
        <label class="check">
          <input
            type="checkbox"
            checked={on}
            aria-disabled={busy}
            aria-describedby="email-notifications-hint"
            onChange={(e) => {
              // While a change is saved, another waits (the box keeps focus: it is not disabled).
              if (busy) e.currentTarget.checked = on;
              else change(e.currentTarget.checked);
            }}
          />
          Email me my notifications
        </label>
      </div>
      <p class="hint" id="email-notifications-hint">
        Sent to {me.user.email}.
      </p>
      <p class="ok" role="status">
        {status}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

import type { Me, Notification } from '../types';
import { Bell } from './Bell';
import { Link, type Navigate } from './Link';

interface Props {
  me: Me;
  notifications: Notification[];
  /** Why the notifications could not be loaded, if they could not. */
  bellError: string | null;
  now: number;
  onOpenNotification: (n: Notification) => void;
  onHelp: () => void;
  onSignOut: () => void;
  navigate: Navigate;
}

/** The page's top bar: the account, the bell, the shortcuts, the settings, who is signed in. */
export function TopBar({ me, notifications, bellError, now, onOpenNotification, onHelp, onSignOut, navigate }: Props) {
  return (
    <header class="topbar">
      <h1>
        Social inbox{me.account && <span class="account"> · {me.account.name}</span>}
      </h1>
      <div class="top-tools">
        <Bell notifications={notifications} error={bellError} now={now} onOpen={onOpenNotification} />
        <button type="button" class="small" onClick={onHelp} aria-keyshortcuts="?">
          Shortcuts <kbd>?</kbd>
        </button>
        <Link href="/settings" navigate={navigate} class="button small" id="settings-link">
          Settings
        </Link>
        <span class="whoami" title={me.user.email}>
          {me.user.name}
        </span>
        <button type="button" class="small" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}

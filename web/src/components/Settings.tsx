import { useEffect, useState } from 'preact/hooks';
import type { Client } from '../api';
import { useLatest } from '../hooks/useLatest';
import { useLoad } from '../hooks/useLoad';
import { useNow } from '../hooks/useNow';
import { isSettingsSection, SETTINGS_SECTIONS, type SettingsSection, settingsPath } from '../route';
import type { Me } from '../types';
import { ApiKeySettings } from './ApiKeySettings';
import { ChannelSettings } from './ChannelSettings';
import { Link, type Navigate, type Notice } from './Link';
import { NotificationSettings } from './NotificationSettings';
import { SalesforceSettings } from './SalesforceSettings';
import { SavedReplySettings } from './SavedReplySettings';
import { TeamSettings } from './TeamSettings';
import { WebhookSettings } from './WebhookSettings';

/** Each section's name, whether only admins see it, and what a member is told it manages. */
export const SECTIONS: Record<SettingsSection, { label: string; admin: boolean; manages: string }> = {
  team: { label: 'Team', admin: true, manages: 'the team' },
  channels: { label: 'Channels', admin: true, manages: 'channels' },
  webhooks: { label: 'Webhooks', admin: true, manages: 'webhooks' },
  'api-keys': { label: 'API keys', admin: true, manages: 'API keys' },
  salesforce: { label: 'Salesforce', admin: true, manages: 'the Salesforce connection' },
  'saved-replies': { label: 'Saved replies', admin: false, manages: 'saved replies' },
  notifications: { label: 'Notifications', admin: false, manages: 'notifications' },
};

const loadMe = (c: Client) => c.me();

interface HeaderProps {
  title: string;
  me?: Me | null;
  inboxPath: string;
  navigate: Navigate;
  onSignOut: () => void;
}

/** The settings' top bar: where you are, the way back to the inbox, who is signed in. */
export function SettingsHeader({ title, me, inboxPath, navigate, onSignOut }: HeaderProps) {
  return (
    <header class="topbar">
      <h1>
        {title}
        {me?.account && <span class="account"> · {me.account.name}</span>}
      </h1>
      <div class="top-tools">
        <Link href={inboxPath} navigate={navigate} class="button small" id="back-to-inbox">
          Back to inbox
        </Link>
        {me && (
          <span class="whoami" title={me.user.email}>
            {me.user.name}
          </span>
        )}
        <button type="button" class="small" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}

interface Props {
  client: Client;
  /** The section in the address (`/settings/<section>`); null: the first the user may see. */
  section: string | null;
  /** Where "Back to inbox" (and Escape) go: the inbox view the settings were opened from. */
  inboxPath: string;
  /** What the screen navigated from wants said (a finished connection). */
  notice: Notice | null;
  navigate: Navigate;
  onSignOut: () => void;
}

/** The settings: admins see every section; members only their notifications. */
export function Settings({ client, section, inboxPath, notice, navigate, onSignOut }: Props) {
  const me = useLoad(client, loadMe);
  const now = useNow();
  const [unsubscribed] = useState(() => new URLSearchParams(location.search).get('unsubscribed') === '1');
  const admin = me.data?.permissions.admin ?? false;
  const visible = SETTINGS_SECTIONS.filter((s) => admin || !SECTIONS[s].admin);
  const loaded = me.data !== null;

  // /settings alone: the first section this user may see.
  useEffect(() => {
    if (loaded && section === null) navigate(settingsPath(admin ? 'team' : 'notifications'), { replace: true });
  }, [loaded, section, admin, navigate]);

  // A new section: its heading takes the focus (and is read out); a notice, when there is one.
  useEffect(() => {
    if (loaded && section !== null) (document.getElementById('settings-notice') ?? document.getElementById('settings-title'))?.focus();
  }, [loaded, section]);

  // Escape goes back to the inbox, unless a form, a question or a shown secret takes it.
  const back = useLatest(() => navigate(inboxPath));
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t?.closest?.('form, .confirm, .secret, .chooser, [role="dialog"]')) return;
      e.preventDefault();
      back.current();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [back]);

  if (me.error && !me.data) {
    return (
      <main class="boot">
        <p class="error" role="alert">
          Could not load the settings: {me.error}
        </p>
        <button type="button" onClick={me.reload}>
          Try again
        </button>{' '}
        <Link href={inboxPath} navigate={navigate}>
          Back to inbox
        </Link>
      </main>
    );
  }
  if (!me.data) {
    return (
      <main class="boot" aria-busy="true">
        <p>Loading the settings…</p>
      </main>
    );
  }
  const m = me.data;
  const known = isSettingsSection(section) ? section : null;
  const title = known ? SECTIONS[known].label : 'Settings';

  let content;
  if (section === null) content = null;
  else if (!known) {
    content = <p>There is no settings page “{section}”. Choose one of the sections.</p>;
  } else if (SECTIONS[known].admin && !admin) {
    content = <p class="notice">Only admins manage {SECTIONS[known].manages}. Ask an admin of your account if something needs changing.</p>;
  } else {
    switch (known) {
      case 'team':
        content = <TeamSettings client={client} me={m} />;
        break;
      case 'channels':
        content = <ChannelSettings client={client} now={now} notice={notice} />;
        break;
      case 'webhooks':
        content = <WebhookSettings client={client} now={now} />;
        break;
      case 'api-keys':
        content = <ApiKeySettings client={client} />;
        break;
      case 'salesforce':
        content = <SalesforceSettings client={client} />;
        break;
      case 'saved-replies':
        content = <SavedReplySettings client={client} me={m} />;
        break;
      case 'notifications':
        content = (
          <NotificationSettings client={client} me={m} unsubscribed={unsubscribed} onSaved={(u) => me.update((x) => ({ ...x, user: u }))} />
        );
        break;
    }
  }

  return (
    <div class="settings-page">
      <a class="skip" href="#settings-main">
        Skip to the settings
      </a>
      <SettingsHeader title="Settings" me={m} inboxPath={inboxPath} navigate={navigate} onSignOut={onSignOut} />
      <div class="settings-body">
        <nav class="settings-nav" aria-label="Settings sections">
          <ul>
            {visible.map((s) => (
              <li key={s}>
                <Link href={settingsPath(s)} navigate={navigate} aria-current={s === known ? 'page' : undefined}>
                  {SECTIONS[s].label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="settings-main" class="settings-main" aria-labelledby="settings-title">
          <h2 id="settings-title" tabIndex={-1}>
            {title}
          </h2>
          {/* A new key per section: each starts afresh (its forms, its questions). */}
          <div key={known ?? section ?? ''} class="settings-section">
            {content}
          </div>
        </main>
      </div>
    </div>
  );
}

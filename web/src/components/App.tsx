import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { Client, describeError } from '../api';
import { completeSignIn, isCallback, loadConfig, loadSession, type PageConfig, saveSession, type Session } from '../auth';
import { keepConnectReturn } from '../connect';
import { focusWhenPresent } from '../focus';
import { pageOf } from '../route';
import { ConnectCallback } from './ConnectCallback';
import { Inbox } from './Inbox';
import type { Navigate, Notice } from './Link';
import { Settings } from './Settings';
import { SignIn } from './SignIn';

/** The provider sent the browser back to `/?code=…&state=…` (or `?error=…`). */
const returning = () => typeof location !== 'undefined' && location.pathname === '/' && isCallback(location.search);

export function App() {
  const [completing, setCompleting] = useState(returning);
  const [session, setSession] = useState<Session | null>(() => (completing ? null : loadSession()));
  const [reason, setReason] = useState<string | null>(null);
  // Read only when someone has to sign in: a signed-in visit makes no extra request.
  const [config, setConfig] = useState<PageConfig | null>(null);
  // The screen shown follows the address's path. A network's answer to a channel connection
  // (/connect/callback?state=…) is kept and taken out of the address before anything else.
  const [path, setPath] = useState(() => {
    keepConnectReturn();
    return location.pathname;
  });
  /** The inbox view the settings were opened from: where "Back to inbox" goes. */
  const [inboxPath, setInboxPath] = useState(() => (pageOf(location.pathname).kind === 'inbox' ? location.pathname : '/'));
  const [notice, setNotice] = useState<Notice | null>(null);

  const navigate = useCallback<Navigate>((to, opts = {}) => {
    const from = pageOf(location.pathname).kind;
    const next = pageOf(to.split('?')[0]!).kind;
    if (from === 'inbox' && next !== 'inbox') setInboxPath(location.pathname);
    if (opts.replace) history.replaceState(null, '', to);
    else if (location.pathname + location.search !== to) history.pushState(null, '', to);
    setNotice(opts.notice ?? null);
    setPath(location.pathname);
    // Back in the inbox: the focus returns to the way into the settings.
    if (next === 'inbox' && from !== 'inbox') focusWhenPresent('settings-link');
  }, []);

  useEffect(() => {
    const onPop = () => {
      setNotice(null);
      setPath(location.pathname);
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  // Back from the provider: finish the sign-in (once: `completing` only ever turns false).
  useEffect(() => {
    if (!completing) return;
    completeSignIn(location.search)
      .then(({ session: s, returnTo }) => {
        history.replaceState(null, '', returnTo);
        saveSession(s);
        setSession(s);
      })
      .catch((e) => {
        history.replaceState(null, '', '/');
        // A session this browser already has stays (a forged or stale answer changes nothing).
        const kept = loadSession();
        if (kept) setSession(kept);
        else setReason(describeError(e));
      })
      .finally(() => {
        setPath(location.pathname);
        setCompleting(false);
      });
  }, [completing]);

  useEffect(() => {
    if (session || completing || config) return;
    loadConfig().then(setConfig);
  }, [session, completing, config]);

  const client = useMemo(
    () =>
      new Client({
        token: () => session?.token ?? null,
        onUnauthorized: (why) => {
          saveSession(null);
          setReason(`You were signed out: ${why}`);
          setSession(null);
        },
      }),
    [session],
  );

  if (completing || (!session && !config)) {
    return (
      <main class="signin" aria-busy="true">
        <p>{completing ? 'Signing you in…' : 'Looking for a sign-in method…'}</p>
      </main>
    );
  }
  if (!session) {
    return (
      <SignIn
        client={client}
        config={config!}
        reason={reason}
        onSignedIn={(s) => {
          saveSession(s);
          setReason(null);
          setSession(s);
        }}
      />
    );
  }
  const onSignOut = () => {
    saveSession(null);
    setReason(null);
    setSession(null);
    // Signed in at the provider: end that session too, or the next sign-in would be silent.
    if (session.via === 'oidc' && session.logoutUrl) location.assign(session.logoutUrl);
    else {
      history.pushState(null, '', '/');
      setPath('/');
    }
  };
  const page = pageOf(path);
  if (page.kind === 'settings') {
    return (
      <Settings
        key={session.token}
        client={client}
        section={page.section}
        inboxPath={inboxPath}
        notice={notice}
        navigate={navigate}
        onSignOut={onSignOut}
      />
    );
  }
  if (page.kind === 'connect-callback') {
    return <ConnectCallback key={session.token} client={client} inboxPath={inboxPath} navigate={navigate} onSignOut={onSignOut} />;
  }
  return <Inbox key={session.token} client={client} onSignOut={onSignOut} navigate={navigate} />;
}

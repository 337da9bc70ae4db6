import { useEffect, useMemo, useState } from 'preact/hooks';
import { Client, describeError } from '../api';
import { completeSignIn, isCallback, loadConfig, loadSession, type PageConfig, saveSession, type Session } from '../auth';
import { Inbox } from './Inbox';
import { SignIn } from './SignIn';

/** The provider sent the browser back to `/?code=…&state=…` (or `?error=…`). */
const returning = () => typeof location !== 'undefined' && location.pathname === '/' && isCallback(location.search);

export function App() {
  const [completing, setCompleting] = useState(returning);
  const [session, setSession] = useState<Session | null>(() => (completing ? null : loadSession()));
  const [reason, setReason] = useState<string | null>(null);
  // Read only when someone has to sign in: a signed-in visit makes no extra request.
  const [config, setConfig] = useState<PageConfig | null>(null);

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
      .finally(() => setCompleting(false));
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
  return (
    <Inbox
      key={session.token}
      client={client}
      onSignOut={() => {
        saveSession(null);
        setReason(null);
        setSession(null);
        // Signed in at the provider: end that session too, or the next sign-in would be silent.
        if (session.via === 'oidc' && session.logoutUrl) location.assign(session.logoutUrl);
        else history.pushState(null, '', '/');
      }}
    />
  );
}

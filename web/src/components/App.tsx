import { useMemo, useState } from 'preact/hooks';
import { Client } from '../api';
import { loadSession, saveSession, type Session, tokenFromFragment } from '../auth';
import { Inbox } from './Inbox';
import { SignIn } from './SignIn';

function initialSession(): Session | null {
  // Back from an identity provider: the token is in the fragment (never sent to a server).
  const fromProvider = typeof location !== 'undefined' ? tokenFromFragment(location.hash) : null;
  if (fromProvider) {
    history.replaceState(null, '', location.pathname + location.search);
    const s: Session = { token: fromProvider, via: 'oidc' };
    saveSession(s);
    return s;
  }
  return loadSession();
}

export function App() {
  const [session, setSession] = useState<Session | null>(initialSession);
  const [reason, setReason] = useState<string | null>(null);

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

  if (!session) {
    return (
      <SignIn
        client={client}
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
        history.pushState(null, '', '/');
      }}
    />
  );
}

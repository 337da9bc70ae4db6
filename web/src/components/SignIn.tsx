import { useEffect, useState } from 'preact/hooks';
import { ApiError, Client, describeError } from '../api';
import { beginSignIn, type PageConfig, type Session } from '../auth';
import type { DevUser } from '../types';

interface Props {
  client: Client;
  onSignedIn: (s: Session) => void;
  /** Why the previous session ended, if it did. */
  reason?: string | null;
  /** The page's configuration (`/config.json`); without one, the runner's dev sign-in. */
  config?: PageConfig;
}

const LOCAL: PageConfig = { source: 'none', auth: null };

/**
 * Sign-in. A deployment (its `/config.json` names an identity provider) sends the user to the
 * provider; a local runner started with `--demo` lists its users (dev sign-in). A token can
 * also be pasted (for a deployment whose provider is not configured).
 */
export function SignIn({ client, onSignedIn, reason, config = LOCAL }: Props) {
  const provider = config.auth;
  // Only a local runner has dev sign-in: a deployed page never asks for it.
  const tryDev = config.source === 'none' && !provider && !config.error;
  const [users, setUsers] = useState<DevUser[] | null>(null);
  const [devAvailable, setDevAvailable] = useState<boolean | null>(tryDev ? null : false);
  const [error, setError] = useState<string | null>(config.error ?? null);
  const [busy, setBusy] = useState<string | null>(null);
  const [pasted, setPasted] = useState('');

  useEffect(() => {
    if (!tryDev) {
      setDevAvailable(false);
      return;
    }
    client
      .devUsers()
      .then((r) => {
        setUsers(r.users);
        setDevAvailable(true);
      })
      .catch((e) => {
        setDevAvailable(false);
        if (!(e instanceof ApiError && e.status === 404)) setError(describeError(e));
      });
  }, [client, tryDev]);

  async function pick(u: DevUser) {
    setBusy(u.id);
    setError(null);
    try {
      const { token } = await client.devToken(u.id);
      onSignedIn({ token, via: 'dev' });
    } catch (e) {
      setError(`Could not sign in as ${u.name}: ${describeError(e)}`);
    } finally {
      setBusy(null);
    }
  }

  async function toProvider() {
    if (!provider) return;
    setBusy('provider');
    setError(null);
    try {
      // Back to the same address after signing in (its query too: `?unsubscribed=1` from an email).
      location.assign(await beginSignIn(provider, { origin: location.origin, returnTo: location.pathname + location.search }));
    } catch (e) {
      setError(`Could not start signing in: ${describeError(e)}`);
      setBusy(null);
    }
  }

  const accounts = new Map<string, DevUser[]>();
  for (const u of users ?? []) {
    const list = accounts.get(u.account_name) ?? [];
    list.push(u);
    accounts.set(u.account_name, list);
  }

  return (
    <main class="signin" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in to the social inbox</h1>
      {reason && (
        <p class="notice" role="status">
          {reason}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {devAvailable === null && <p aria-busy="true">Looking for a sign-in method…</p>}
      {devAvailable && (
        <section aria-labelledby="dev-title">
          <h2 id="dev-title">Choose a user</h2>
          <p class="hint">This inbox runs on this machine with local sign-in: pick who you are.</p>
          {[...accounts.entries()].map(([account, list]) => (
            <div key={account} class="account-users">
              <h3>{account}</h3>
              <ul class="user-list">
                {list.map((u) => (
                  <li key={u.id}>
                    <button type="button" class="user-choice" onClick={() => pick(u)} disabled={busy !== null}>
                      <span class="user-name">{u.name}</span>
                      <span class="user-email">{u.email}</span>
                      <span class="user-role">{u.role === 'admin' ? 'Admin' : 'Member'}{u.inbox_access ? '' : ', no inbox access'}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          ))}
          {users && users.length === 0 && <p>This inbox has no users yet. Start the runner with <code>--demo</code>, or create an account.</p>}
        </section>
      )}
      {devAvailable === false && (
        <section aria-label="Sign in">
          {provider ? (
            <p>
              <button type="button" class="primary" onClick={toProvider} disabled={busy !== null}>
                Sign in with your organisation
              </button>
            </p>
          ) : (
            <p class="hint">This site has no identity provider configured. Paste a bearer token to continue.</p>
          )}
          <form
            class="paste-token"
            onSubmit={(e) => {
              e.preventDefault();
              if (pasted.trim()) onSignedIn({ token: pasted.trim(), via: 'pasted' });
            }}
          >
            <label for="token-input">Bearer token</label>
            <input id="token-input" type="password" autoComplete="off" value={pasted} onInput={(e) => setPasted(e.currentTarget.value)} />
            <button type="submit">Use this token</button>
          </form>
        </section>
      )}
    </main>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { ApiError, Client, describeError } from '../api';
import { authorizeUrl, providerConfig, type Session } from '../auth';
import type { DevUser } from '../types';

interface Props {
  client: Client;
  onSignedIn: (s: Session) => void;
  /** Why the previous session ended, if it did. */
  reason?: string | null;
}

/**
 * Sign-in. A local runner started with `--demo` lists its users (dev sign-in); a deployment
 * sends the user to its identity provider. A token can also be pasted (for a deployment whose
 * provider is not configured in this build).
 */
export function SignIn({ client, onSignedIn, reason }: Props) {
  const [users, setUsers] = useState<DevUser[] | null>(null);
  const [devAvailable, setDevAvailable] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [pasted, setPasted] = useState('');
  const provider = providerConfig();

  useEffect(() => {
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
  }, [client]);

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

  function toProvider() {
    if (!provider) return;
    const nonce = crypto.getRandomValues(new Uint32Array(2)).join('');
    sessionStorage.setItem('inbox.nonce', nonce);
    location.assign(authorizeUrl(provider, location.origin + '/', nonce));
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
            <button type="button" class="primary" onClick={toProvider}>
              Sign in with your organisation
            </button>
          ) : (
            <p class="hint">This build has no identity provider configured. Paste a bearer token to continue.</p>
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

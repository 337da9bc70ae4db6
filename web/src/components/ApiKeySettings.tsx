import { useState } from 'preact/hooks';
import type { Client } from '../api';
import { focusSoon } from '../focus';
import { when } from '../format';
import { useAction } from '../hooks/useAction';
import { useLoad } from '../hooks/useLoad';
import { Confirm } from './Confirm';
import { SecretOnce } from './SecretOnce';

const loadKeys = (c: Client) =>
  Promise.all([c.apiKeys(), c.team()]).then(([k, t]) => ({ keys: k.api_keys, names: new Map(t.users.map((u) => [u.id, u.name])) }));

/** Settings › API keys: the keys Zapier (and scripts) call the inbox with; make one, revoke one. */
export function ApiKeySettings({ client }: { client: Client }) {
  const keys = useLoad(client, loadKeys);
  const [name, setName] = useState('');
  const { busy, error, run } = useAction();
  const [secret, setSecret] = useState<{ name: string; key: string } | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const [status, setStatus] = useState('');

  async function create(e: Event) {
    e.preventDefault();
    const n = name.trim();
    if (!n) return;
    await run(async () => {
      const { key, ...made } = await client.createApiKey(n);
      keys.update((k) => ({ ...k, keys: [...k.keys, made] }));
      setName('');
      setStatus(`Made the API key “${made.name}”.`);
      setSecret({ name: made.name, key });
    }, 'Could not make the API key');
  }

  return (
    <>
      <p class="hint">
        An API key lets Zapier (or a script of yours) read this account’s events: send it as the <code>X-API-Key</code> header.
      </p>
      <p class="ok" role="status">
        {status}
      </p>
      {secret && (
        <SecretOnce
          title={`The API key “${secret.name}”`}
          label="API key"
          secret={secret.key}
          onDone={() => {
            setSecret(null);
            focusSoon('api-key-name');
          }}
        />
      )}
      {keys.error && (
        <p class="error" role="alert">
          Could not load the API keys: {keys.error}{' '}
          <button type="button" class="small" onClick={keys.reload}>
            Try again
          </button>
        </p>
      )}
      {keys.loading && !keys.data && <p aria-busy="true">Loading the API keys…</p>}
      {keys.data && keys.data.keys.length === 0 && <p>No API keys yet.</p>}
      {keys.data && keys.data.keys.length > 0 && (
        <ul class="cards" aria-label="API keys">
          {keys.data.keys.map((k) => (
            <li key={k.id} class="card">
              <div class="card-head">
                <h3>{k.name}</h3>
                <code class="hint">{k.prefix}…</code>
              </div>
              <p class="card-line hint">
                Made {keys.data!.names.get(k.created_by) ? `by ${keys.data!.names.get(k.created_by)} ` : ''}on {when(k.created_at)}.
              </p>
              <div class="actions">
                <button type="button" class="small danger" id={`revoke-key-${k.id}`} aria-label={`Revoke ${k.name}`} onClick={() => setRevoking(k.id)}>
                  Revoke
                </button>
              </div>
              {revoking === k.id && (
                <Confirm
                  label={`Revoke ${k.name}`}
                  confirm="Revoke"
                  returnFocus={`revoke-key-${k.id}`}
                  onCancel={() => setRevoking(null)}
                  onConfirm={async () => {
                    await client.revokeApiKey(k.id);
                    keys.update((d) => ({ ...d, keys: d.keys.filter((x) => x.id !== k.id) }));
                    setRevoking(null);
                    setStatus(`Revoked the API key “${k.name}”.`);
                    focusSoon('api-key-name');
                  }}
                >
                  Revoke the API key “{k.name}”? Whatever uses it stops working at once, and the Zapier hooks made with it are deleted.
                </Confirm>
              )}
            </li>
          ))}
        </ul>
      )}
      <section class="settings-block" aria-labelledby="add-key-title">
        <h3 id="add-key-title">Make an API key</h3>
        <form class="inline-form" onSubmit={create} aria-label="Make an API key">
          <label for="api-key-name">Name</label>
          <input id="api-key-name" required maxLength={100} autoComplete="off" placeholder="Zapier" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <button type="submit" class="primary" disabled={busy}>
            Make API key
          </button>
        </form>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </section>
    </>
  );
}

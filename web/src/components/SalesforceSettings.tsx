import { useEffect, useRef, useState } from 'preact/hooks';
import type { Client } from '../api';
import { focusSoon } from '../focus';
import { when } from '../format';
import { useAction } from '../hooks/useAction';
import { useLoad } from '../hooks/useLoad';
import type { SalesforceConnection, SalesforceInput, Tab } from '../types';
import { Confirm } from './Confirm';
import { SettingsForm } from './SettingsForm';

const loadSalesforce = (c: Client) => Promise.all([c.salesforce(), c.tabs()]).then(([conn, t]) => ({ conn, tabs: t.tabs }));

/** Settings › Salesforce: connect the account's Salesforce (Cases from conversations), change it, disconnect it. */
export function SalesforceSettings({ client }: { client: Client }) {
  const sf = useLoad(client, loadSalesforce);
  const [editing, setEditing] = useState(false);
  const [removing, setRemoving] = useState(false);
  const [status, setStatus] = useState('');
  const conn = sf.data?.conn ?? null;

  return (
    <>
      <p class="hint">With Salesforce connected, a conversation can become a Salesforce Case, by hand or by a tab’s search.</p>
      <p class="ok" role="status">
        {status}
      </p>
      {sf.error && (
        <p class="error" role="alert">
          Could not load the Salesforce connection: {sf.error}{' '}
          <button type="button" class="small" onClick={sf.reload}>
            Try again
          </button>
        </p>
      )}
      {sf.loading && !sf.data && <p aria-busy="true">Loading the Salesforce connection…</p>}
      {sf.data && conn && !editing && (
        <div class="card">
          <div class="card-head">
            <h3>Connected to {conn.instance_url}</h3>
            <span class="badge badge-ok">Connected</span>
          </div>
          <dl class="facts">
            <dt>Client id</dt>
            <dd>
              <code>{conn.client_id}</code>
            </dd>
            <dt>Token URL</dt>
            <dd>{conn.token_url}</dd>
            <dt>Case external id field</dt>
            <dd>{conn.external_id_field || 'None'}</dd>
            <dt>Cases made automatically</dt>
            <dd>{conn.rule ? `From the tab “${conn.rule.name}”` : 'No: by hand only'}</dd>
            <dt>Connected</dt>
            <dd>{when(conn.connected_at)}</dd>
          </dl>
          <div class="actions">
            <button type="button" class="small" id="salesforce-change" onClick={() => setEditing(true)}>
              Change
            </button>
            <button type="button" class="small danger" id="salesforce-disconnect" onClick={() => setRemoving(true)}>
              Disconnect Salesforce
            </button>
          </div>
          {removing && (
            <Confirm
              label="Disconnect Salesforce"
              confirm="Disconnect"
              returnFocus="salesforce-disconnect"
              onCancel={() => setRemoving(false)}
              onConfirm={async () => {
                await client.disconnectSalesforce();
                sf.update((d) => ({ ...d, conn: null }));
                setRemoving(false);
                setStatus('Salesforce is disconnected.');
                focusSoon('settings-title');
              }}
            >
              Disconnect Salesforce? No more Cases are made; the Cases already made stay linked to their conversations.
            </Confirm>
          )}
        </div>
      )}
      {sf.data && (!conn || editing) && (
        <SalesforceForm
          conn={conn}
          tabs={sf.data.tabs}
          onCancel={
            conn
              ? () => {
                  setEditing(false);
                  focusSoon('salesforce-change');
                }
              : undefined
          }
          onSubmit={async (input) => {
            const saved = await client.connectSalesforce(input);
            sf.update((d) => ({ ...d, conn: saved }));
            setEditing(false);
            setStatus(conn ? 'Saved the Salesforce connection.' : `Salesforce is connected: ${saved.instance_url}.`);
            focusSoon(conn ? 'salesforce-change' : 'settings-title');
          }}
        />
      )}
    </>
  );
}

interface FormProps {
  conn: SalesforceConnection | null;
  tabs: Tab[];
  onSubmit: (s: SalesforceInput) => Promise<void>;
  onCancel?: () => void;
}

function SalesforceForm({ conn, tabs, onSubmit, onCancel }: FormProps) {
  const [f, setF] = useState({
    instance_url: conn?.instance_url ?? '',
    token_url: conn?.token_url ?? '',
    client_id: conn?.client_id ?? '',
    client_secret: '',
    refresh_token: '',
    external_id_field: conn?.external_id_field ?? '',
    rule_tab_id: conn?.rule?.tab_id ?? '',
  });
  const { busy, error, run } = useAction();
  const first = useRef<HTMLInputElement>(null);
  const editing = conn !== null;
  useEffect(() => {
    if (editing) first.current?.focus();
  }, [editing]);
  const set = (k: keyof typeof f) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) => {
    const v = e.currentTarget.value;
    setF((x) => ({ ...x, [k]: v }));
  };

  async function submit(e: Event) {
    e.preventDefault();
    const input: SalesforceInput = {
      instance_url: f.instance_url.trim(),
      client_id: f.client_id.trim(),
      external_id_field: f.external_id_field.trim() || null,
      rule_tab_id: f.rule_tab_id || null,
    };
    if (f.token_url.trim()) input.token_url = f.token_url.trim();
    if (f.client_secret.trim()) input.client_secret = f.client_secret.trim();
    if (f.refresh_token.trim()) input.refresh_token = f.refresh_token.trim();
    await run(() => onSubmit(input), `Could not ${editing ? 'save' : 'connect'} Salesforce`);
  }

  const keep = editing ? 'Leave empty to keep the stored one.' : 'Stored sealed; never shown again.';
  return (
    <SettingsForm
      label={editing ? 'Change the Salesforce connection' : 'Connect Salesforce'}
      onSubmit={submit}
      onCancel={onCancel}
      error={error}
      busy={busy}
      submitLabel={editing ? 'Save changes' : 'Connect Salesforce'}
    >
      <div class="field">
        <label for="sf-instance">Instance URL</label>
        <input id="sf-instance" ref={first} type="url" required placeholder="https://yourcompany.my.salesforce.com" autoComplete="off" value={f.instance_url} onInput={set('instance_url')} />
      </div>
      <div class="field">
        <label for="sf-token-url">Token URL (optional)</label>
        <input
          id="sf-token-url"
          type="url"
          placeholder="https://login.salesforce.com/services/oauth2/token"
          autoComplete="off"
          aria-describedby="sf-token-url-hint"
          value={f.token_url}
          onInput={set('token_url')}
        />
        <span class="hint" id="sf-token-url-hint">
          Empty: login.salesforce.com. A sandbox uses https://test.salesforce.com/services/oauth2/token.
        </span>
      </div>
      <div class="field">
        <label for="sf-client-id">Client id (consumer key)</label>
        <input id="sf-client-id" required maxLength={255} autoComplete="off" value={f.client_id} onInput={set('client_id')} />
      </div>
      <div class="field">
        <label for="sf-client-secret">Client secret (consumer secret)</label>
        <input
          id="sf-client-secret"
          type="password"
          required={!editing}
          autoComplete="off"
          aria-describedby="sf-client-secret-hint"
          value={f.client_secret}
          onInput={set('client_secret')}
        />
        <span class="hint" id="sf-client-secret-hint">
          {keep}
        </span>
      </div>
      <div class="field">
        <label for="sf-refresh-token">Refresh token</label>
        <input
          id="sf-refresh-token"
          type="password"
          required={!editing}
          autoComplete="off"
          aria-describedby="sf-refresh-token-hint"
          value={f.refresh_token}
          onInput={set('refresh_token')}
        />
        <span class="hint" id="sf-refresh-token-hint">
          {keep}
        </span>
      </div>
      <div class="field">
        <label for="sf-external-id">Case external id field (optional)</label>
        <input id="sf-external-id" autoComplete="off" placeholder="Inbox_Conversation_Id__c" aria-describedby="sf-external-id-hint" value={f.external_id_field} onInput={set('external_id_field')} />
        <span class="hint" id="sf-external-id-hint">
          A Case field that holds the conversation id: Cases are then updated rather than made twice.
        </span>
      </div>
      <div class="field">
        <label for="sf-rule-tab">Make Cases automatically from the tab</label>
        <select id="sf-rule-tab" value={f.rule_tab_id} onChange={set('rule_tab_id')}>
          <option value="">None: Cases are made by hand</option>
          {tabs.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </div>
    </SettingsForm>
  );
}

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Client, describeError } from '../api';
import { focusSoon } from '../focus';
import { relative, when } from '../format';
import { useAction } from '../hooks/useAction';
import { useLoad } from '../hooks/useLoad';
import type { DeliveryState, EventType, WebhookInput, WebhookSubscription } from '../types';
import { Confirm } from './Confirm';
import { SecretOnce } from './SecretOnce';
import { SettingsForm } from './SettingsForm';

/** The events a webhook can carry (shared/domain/src/events.rs), in words. */
export const EVENTS: Array<{ type: EventType; what: string }> = [
  { type: 'conversation.created', what: 'A conversation starts' },
  { type: 'item.received', what: 'A message arrives' },
  { type: 'reply.sent', what: 'A reply is sent' },
  { type: 'note.added', what: 'A note is added' },
  { type: 'conversation.assigned', what: 'A conversation is assigned' },
  { type: 'conversation.unassigned', what: 'A conversation is unassigned' },
  { type: 'conversation.closed', what: 'A conversation is closed' },
  { type: 'conversation.reopened', what: 'A conversation is reopened' },
  { type: 'case.created', what: 'A Salesforce case is made' },
];

const loadWebhooks = (c: Client) => c.webhooks().then((r) => r.subscriptions);

type Mode = { kind: 'idle' } | { kind: 'edit'; id: string } | { kind: 'delete'; id: string } | { kind: 'rotate'; id: string };

/** Settings › Webhooks: where the inbox posts its events; add, change, rotate the secret, delete, replay. */
export function WebhookSettings({ client, now }: { client: Client; now: number }) {
  const subs = useLoad(client, loadWebhooks);
  const [mode, setMode] = useState<Mode>({ kind: 'idle' });
  const [secret, setSecret] = useState<{ title: string; value: string } | null>(null);
  const [showing, setShowing] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [added, setAdded] = useState(0);

  const replace = (s: WebhookSubscription) => subs.update((list) => list.map((x) => (x.id === s.id ? s : x)));

  return (
    <>
      <p class="hint">
        The inbox posts each event to these addresses, signed with the subscription’s secret (the <code>webhook-signature</code> header).
      </p>
      <p class="ok" role="status">
        {status}
      </p>
      {secret && (
        <SecretOnce
          title={secret.title}
          label="Signing secret"
          secret={secret.value}
          onDone={() => {
            setSecret(null);
            focusSoon('settings-title');
          }}
        />
      )}
      {subs.error && (
        <p class="error" role="alert">
          Could not load the webhooks: {subs.error}{' '}
          <button type="button" class="small" onClick={subs.reload}>
            Try again
          </button>
        </p>
      )}
      {subs.loading && !subs.data && <p aria-busy="true">Loading the webhooks…</p>}
      {subs.data && subs.data.length === 0 && <p>No webhooks yet.</p>}
      {subs.data && subs.data.length > 0 && (
        <ul class="cards" aria-label="Webhooks">
          {subs.data.map((s) => (
            <li key={s.id} class="card">
              {mode.kind === 'edit' && mode.id === s.id ? (
                <WebhookForm
                  idPrefix={`webhook-${s.id}`}
                  label={`Edit the webhook to ${s.url}`}
                  initial={s}
                  submitLabel="Save changes"
                  autoFocus
                  onCancel={() => {
                    setMode({ kind: 'idle' });
                    focusSoon(`edit-webhook-${s.id}`);
                  }}
                  onSubmit={async (input) => {
                    const saved = await client.updateWebhook(s.id, input);
                    replace(saved);
                    setMode({ kind: 'idle' });
                    setStatus(`Saved the webhook to ${saved.url}.`);
                    focusSoon(`edit-webhook-${s.id}`);
                  }}
                />
              ) : (
                <>
                  <div class="card-head">
                    <h3 class="url">{s.url}</h3>
                    {s.kind === 'zapier' && <span class="badge">Zapier</span>}
                    <span class={`badge ${s.enabled ? 'badge-ok' : 'badge-warn'}`}>{s.enabled ? 'On' : 'Off'}</span>
                  </div>
                  {s.description && <p class="card-line">{s.description}</p>}
                  <p class="card-line hint">Events: {s.events.map((e) => EVENTS.find((x) => x.type === e)?.what.toLowerCase() ?? e).join(', ')}.</p>
                  {s.disabled_reason && <p class="card-line failure">The inbox turned it off: {s.disabled_reason}</p>}
                  {s.failing_since && (
                    <p class="card-line failure">
                      Failing since {when(s.failing_since)}
                      {s.last_failure && `: ${s.last_failure}`}
                    </p>
                  )}
                  {!s.failing_since && s.last_success_at && (
                    <p class="card-line hint">
                      Last delivered <time dateTime={s.last_success_at}>{relative(s.last_success_at, now)}</time>.
                    </p>
                  )}
                  <div class="actions">
                    <button type="button" class="small" id={`edit-webhook-${s.id}`} aria-label={`Edit the webhook to ${s.url}`} onClick={() => setMode({ kind: 'edit', id: s.id })}>
                      Edit
                    </button>
                    <button
                      type="button"
                      class="small"
                      aria-expanded={showing === s.id}
                      aria-controls={`deliveries-${s.id}`}
                      aria-label={`Deliveries of the webhook to ${s.url}`}
                      onClick={() => setShowing(showing === s.id ? null : s.id)}
                    >
                      Deliveries
                    </button>
                    <button type="button" class="small" id={`rotate-webhook-${s.id}`} aria-label={`Rotate secret of the webhook to ${s.url}`} onClick={() => setMode({ kind: 'rotate', id: s.id })}>
                      Rotate secret
                    </button>
                    <button type="button" class="small danger" id={`delete-webhook-${s.id}`} aria-label={`Delete the webhook to ${s.url}`} onClick={() => setMode({ kind: 'delete', id: s.id })}>
                      Delete
                    </button>
                  </div>
                  {mode.kind === 'rotate' && mode.id === s.id && (
                    <Confirm
                      label={`Rotate the secret of the webhook to ${s.url}`}
                      confirm="Rotate secret"
                      returnFocus={`rotate-webhook-${s.id}`}
                      onCancel={() => setMode({ kind: 'idle' })}
                      onConfirm={async () => {
                        const r = await client.rotateWebhookSecret(s.id);
                        const { secret: value, ...sub } = r;
                        replace(sub);
                        setMode({ kind: 'idle' });
                        setSecret({ title: `The new signing secret of ${s.url}`, value });
                      }}
                    >
                      Give it a new signing secret? Deliveries from now on are signed with the new one: the receiver must check them with it.
                    </Confirm>
                  )}
                  {mode.kind === 'delete' && mode.id === s.id && (
                    <Confirm
                      label={`Delete the webhook to ${s.url}`}
                      confirm="Delete"
                      returnFocus={`delete-webhook-${s.id}`}
                      onCancel={() => setMode({ kind: 'idle' })}
                      onConfirm={async () => {
                        await client.deleteWebhook(s.id);
                        subs.update((list) => list.filter((x) => x.id !== s.id));
                        setMode({ kind: 'idle' });
                        setStatus(`Deleted the webhook to ${s.url}.`);
                        focusSoon('settings-title');
                      }}
                    >
                      Delete the webhook to {s.url}? Its deliveries are deleted with it.
                    </Confirm>
                  )}
                  {showing === s.id && <Deliveries client={client} sub={s} />}
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {subs.data && (
        <section class="settings-block" aria-labelledby="add-webhook-title">
          <h3 id="add-webhook-title">Add a webhook</h3>
          <WebhookForm
            key={added}
            idPrefix="new-webhook"
            label="Add a webhook"
            submitLabel="Add webhook"
            onSubmit={async (input) => {
              const r = await client.createWebhook(input);
              const { secret: value, ...sub } = r;
              subs.update((list) => [...list, sub]);
              setAdded((n) => n + 1);
              setStatus(`Added the webhook to ${sub.url}.`);
              setSecret({ title: `The signing secret of ${sub.url}`, value });
            }}
          />
        </section>
      )}
    </>
  );
}

interface FormProps {
  idPrefix: string;
  label: string;
  initial?: WebhookSubscription;
  submitLabel: string;
  onSubmit: (w: WebhookInput) => Promise<void>;
  onCancel?: () => void;
  autoFocus?: boolean;
}

/** A webhook's address, description, events and (once made) whether it is on. */
function WebhookForm({ idPrefix, label, initial, submitLabel, onSubmit, onCancel, autoFocus }: FormProps) {
  const [url, setUrl] = useState(initial?.url ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [events, setEvents] = useState<EventType[]>(initial?.events ?? ['conversation.created', 'item.received']);
  const [enabled, setEnabled] = useState(initial?.enabled ?? true);
  const { busy, error, setError, run } = useAction();
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (autoFocus) first.current?.focus();
  }, [autoFocus]);
  const id = (f: string) => `${idPrefix}-${f}`;

  async function submit(e: Event) {
    e.preventDefault();
    if (events.length === 0) {
      setError('Choose at least one event.');
      return;
    }
    const input: WebhookInput = { url: url.trim(), events, description: description.trim() };
    if (initial) input.enabled = enabled;
    await run(() => onSubmit(input));
  }

  return (
    <SettingsForm label={label} onSubmit={submit} onCancel={onCancel} error={error} busy={busy} submitLabel={submitLabel}>
      <div class="field">
        <label for={id('url')}>Address (URL)</label>
        <input
          id={id('url')}
          type="url"
          required
          placeholder="https://example.com/inbox-events"
          autoComplete="off"
          value={url}
          ref={first}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for={id('description')}>Description (optional)</label>
        <input id={id('description')} maxLength={200} autoComplete="off" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </div>
      <fieldset class="checks event-checks">
        <legend>Events</legend>
        {EVENTS.map((ev) => (
          <label class="check" key={ev.type}>
            <input
              type="checkbox"
              checked={events.includes(ev.type)}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                setEvents((list) => (on ? [...list.filter((x) => x !== ev.type), ev.type] : list.filter((x) => x !== ev.type)));
              }}
            />
            {ev.what} <code>{ev.type}</code>
          </label>
        ))}
      </fieldset>
      {initial && (
        <label class="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
          On (events are delivered)
        </label>
      )}
    </SettingsForm>
  );
}

const STATE_LABEL: Record<DeliveryState, string> = { pending: 'Being tried', delivered: 'Delivered', dead: 'Failed' };

/** A subscription's deliveries, the failed ones first; a failed one can be sent again. */
function Deliveries({ client, sub }: { client: Client; sub: WebhookSubscription }) {
  const [state, setState] = useState<DeliveryState | ''>('dead');
  const load = useCallback((c: Client) => c.deliveries(sub.id, state || null), [sub.id, state]);
  const page = useLoad(client, load);
  const [more, setMore] = useState(false);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [replaying, setReplaying] = useState<string | null>(null);

  async function loadMore(before: string) {
    setMore(true);
    setError(null);
    try {
      const next = await client.deliveries(sub.id, state || null, before);
      page.update((p) => ({ deliveries: [...p.deliveries, ...next.deliveries], next_before: next.next_before }));
    } catch (e) {
      setError(`Could not load more deliveries: ${describeError(e)}`);
    } finally {
      setMore(false);
    }
  }

  async function replay(deliveryId: string) {
    setReplaying(deliveryId);
    setError(null);
    try {
      const d = await client.replayDelivery(sub.id, deliveryId);
      page.update((p) => ({ ...p, deliveries: p.deliveries.map((x) => (x.id === d.id ? d : x)) }));
      setStatus('The delivery will be sent again shortly.');
    } catch (e) {
      setError(`Could not replay the delivery: ${describeError(e)}`);
    } finally {
      setReplaying(null);
    }
  }

  const selectId = `deliveries-state-${sub.id}`;
  return (
    <section id={`deliveries-${sub.id}`} class="deliveries" aria-label={`Deliveries of the webhook to ${sub.url}`}>
      <div class="inline-form">
        <label for={selectId}>Show</label>
        <select id={selectId} value={state} onChange={(e) => setState(e.currentTarget.value as DeliveryState | '')}>
          <option value="dead">Failed deliveries</option>
          <option value="pending">Deliveries being tried</option>
          <option value="delivered">Delivered</option>
          <option value="">All deliveries</option>
        </select>
      </div>
      <p class="ok" role="status">
        {status}
      </p>
      {(page.error || error) && (
        <p class="error" role="alert">
          {error ?? `Could not load the deliveries: ${page.error}`}
        </p>
      )}
      {page.loading && <p aria-busy="true">Loading the deliveries…</p>}
      {page.data && page.data.deliveries.length === 0 && !page.loading && <p class="hint">None.</p>}
      {page.data && page.data.deliveries.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Made</th>
              <th scope="col">State</th>
              <th scope="col">Tries</th>
              <th scope="col">Last answer</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page.data.deliveries.map((d) => (
              <tr key={d.id}>
                <td>
                  <code>{d.event_type}</code>
                </td>
                <td>
                  <time dateTime={d.created_at}>{when(d.created_at)}</time>
                </td>
                <td>{STATE_LABEL[d.state] ?? d.state}</td>
                <td>{d.attempts}</td>
                <td>{[d.last_status ? `HTTP ${d.last_status}` : '', d.last_error ?? ''].filter(Boolean).join(': ') || '—'}</td>
                <td>
                  {d.state === 'dead' && (
                    <button
                      type="button"
                      class="small"
                      disabled={replaying !== null}
                      aria-label={`Replay the ${d.event_type} delivery of ${when(d.created_at)}`}
                      onClick={() => replay(d.id)}
                    >
                      Replay
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page.data?.next_before && (
        <button type="button" class="small" disabled={more} onClick={() => loadMore(page.data!.next_before!)}>
          {more ? 'Loading…' : 'More deliveries'}
        </button>
      )}
    </section>
  );
}

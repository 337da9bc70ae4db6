import { useEffect, useRef, useState } from 'preact/hooks';
import { type Client, describeError } from '../api';
import { connectNetworkOf } from '../connect';
import { focusSoon } from '../focus';
import { NETWORK_LABEL, relative, when } from '../format';
import { useLoad } from '../hooks/useLoad';
import type { Channel, ConnectNetwork, TokenState } from '../types';
import { NetworkIcon } from './Badges';
import { Confirm } from './Confirm';
import type { Notice } from './Link';

const loadChannels = (c: Client) => c.channels().then((r) => r.channels);
const loadNetworks = (c: Client) => c.connectNetworks().then((r) => r.networks);

const TOKEN: Record<TokenState, { text: string; badge: string }> = {
  valid: { text: 'Access is valid', badge: 'badge-ok' },
  expiring: { text: 'Access expires soon', badge: 'badge-sponsored' },
  needs_reconnection: { text: 'Needs reconnection', badge: 'badge-warn' },
};

/** A time as "in 3 hours", with the full date and time for a pointer or a screen reader's look. */
function At({ iso, now }: { iso: string; now: number }) {
  return (
    <time dateTime={iso} title={when(iso)}>
      {relative(iso, now)}
    </time>
  );
}

/** Starts a connect flow and sends the whole page to the network's consent screen. */
async function startConnect(client: Client, network: ConnectNetwork, profileId?: string) {
  const r = await client.startConnect(network, profileId);
  location.assign(r.authorize_url);
}

interface Props {
  client: Client;
  now: number;
  /** What a connection that just finished did. */
  notice: Notice | null;
}

/** Settings › Channels: each connected profile's health; connect, reconnect, disconnect. */
export function ChannelSettings({ client, now, notice }: Props) {
  const channels = useLoad(client, loadChannels);
  const [choosing, setChoosing] = useState(false);
  const [removing, setRemoving] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function reconnect(ch: Channel) {
    setBusy(ch.profile_id);
    setError(null);
    setStatus(`Taking you to ${NETWORK_LABEL[ch.network]} to reconnect ${ch.name}…`);
    try {
      await startConnect(client, connectNetworkOf(ch.network), ch.profile_id);
    } catch (e) {
      setStatus('');
      setError(`Could not start reconnecting ${ch.name}: ${describeError(e)}`);
      setBusy(null);
    }
  }

  return (
    <>
      <p class="hint">The networks the inbox listens to, and whether each one is healthy.</p>
      {notice && (
        <div class="notice-box" id="settings-notice" tabIndex={-1}>
          <p class="ok" role="status">
            {notice.text}
          </p>
          {notice.problems?.map((p) => (
            <p class="error" role="alert" key={p}>
              {p}
            </p>
          ))}
        </div>
      )}
      <p class="ok" role="status">
        {status}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="button" class="primary" id="connect-channel" aria-expanded={choosing} aria-controls="connect-choices" onClick={() => setChoosing(!choosing)}>
          Connect a channel
        </button>
      </div>
      {choosing && (
        <ConnectChooser
          client={client}
          onClose={() => {
            setChoosing(false);
            focusSoon('connect-channel');
          }}
        />
      )}
      {channels.error && (
        <p class="error" role="alert">
          Could not load the channels: {channels.error}{' '}
          <button type="button" class="small" onClick={channels.reload}>
            Try again
          </button>
        </p>
      )}
      {channels.loading && !channels.data && <p aria-busy="true">Loading the channels…</p>}
      {channels.data && channels.data.length === 0 && <p>No channels are connected yet: connect one to start receiving messages.</p>}
      {channels.data && channels.data.length > 0 && (
        <ul class="cards" aria-label="Channels">
          {channels.data.map((ch) => {
            const token = TOKEN[ch.token_state] ?? TOKEN.valid;
            return (
              <li key={ch.profile_id} class="card">
                <div class="card-head">
                  <NetworkIcon network={ch.network} />
                  <h3 id={`channel-${ch.profile_id}`}>{ch.name}</h3>
                  {ch.handle && <span class="handle">@{ch.handle}</span>}
                  <span class={`badge ${token.badge}`}>{token.text}</span>
                  {ch.quiet && <span class="badge badge-sponsored">Quiet</span>}
                </div>
                <dl class="facts">
                  <dt>Network</dt>
                  <dd>{NETWORK_LABEL[ch.network]}</dd>
                  <dt>Last event</dt>
                  <dd>
                    {ch.last_event_at ? <At iso={ch.last_event_at} now={now} /> : 'None yet'}
                    {ch.quiet && ' — quieter than usual: nothing arrived for a long while.'}
                  </dd>
                  <dt>Access</dt>
                  <dd>
                    {token.text}
                    {ch.token_error && `: ${ch.token_error}`}
                  </dd>
                  {ch.next_renewal_at && (
                    <>
                      <dt>Next renewal</dt>
                      <dd>
                        <At iso={ch.next_renewal_at} now={now} />
                      </dd>
                    </>
                  )}
                  {ch.refresh_expires_at && (
                    <>
                      <dt>Reconnect by</dt>
                      <dd>
                        {when(ch.refresh_expires_at)} (<At iso={ch.refresh_expires_at} now={now} />)
                      </dd>
                    </>
                  )}
                  {ch.polled && (
                    <>
                      <dt>Next check</dt>
                      <dd>
                        {ch.next_poll_at ? <At iso={ch.next_poll_at} now={now} /> : 'Not scheduled'}
                        {ch.last_poll_ok_at && (
                          <>
                            ; last succeeded <At iso={ch.last_poll_ok_at} now={now} />
                          </>
                        )}
                        {ch.last_poll_error && `. The last check failed: ${ch.last_poll_error}`}
                      </dd>
                    </>
                  )}
                  <dt>Webhook</dt>
                  <dd>
                    {ch.webhook_subscribed === null ? (
                      'Not checked'
                    ) : (
                      <>
                        {ch.webhook_subscribed ? 'Subscribed' : 'Not subscribed: its events may not arrive; reconnect it.'}
                        {ch.webhook_checked_at && (
                          <>
                            {' '}
                            (checked <At iso={ch.webhook_checked_at} now={now} />)
                          </>
                        )}
                      </>
                    )}
                  </dd>
                </dl>
                <div class="actions">
                  <button
                    type="button"
                    class={`small${ch.token_state === 'valid' ? '' : ' primary'}`}
                    aria-label={`Reconnect ${ch.name}`}
                    disabled={busy !== null}
                    onClick={() => reconnect(ch)}
                  >
                    Reconnect
                  </button>
                  <button
                    type="button"
                    class="small danger"
                    id={`disconnect-${ch.profile_id}`}
                    aria-label={`Disconnect ${ch.name}`}
                    disabled={busy !== null}
                    onClick={() => setRemoving(ch.profile_id)}
                  >
                    Disconnect
                  </button>
                </div>
                {removing === ch.profile_id && (
                  <Confirm
                    label={`Disconnect ${ch.name}`}
                    confirm="Disconnect"
                    returnFocus={`disconnect-${ch.profile_id}`}
                    onCancel={() => setRemoving(null)}
                    onConfirm={async () => {
                      await client.deleteProfile(ch.profile_id);
                      channels.update((list) => list.filter((x) => x.profile_id !== ch.profile_id));
                      setRemoving(null);
                      setStatus(`${ch.name} is disconnected.`);
                      focusSoon('connect-channel');
                    }}
                  >
                    Disconnect {ch.name} ({NETWORK_LABEL[ch.network]})? The inbox stops receiving its messages, and nobody can answer from it until it is connected again.
                  </Confirm>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

/** The networks a channel can be connected from; one not set up on this server says why. */
function ConnectChooser({ client, onClose }: { client: Client; onClose: () => void }) {
  const networks = useLoad(client, loadNetworks);
  const [busy, setBusy] = useState<ConnectNetwork | null>(null);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const loaded = networks.data !== null;
  useEffect(() => {
    if (loaded) (box.current?.querySelector('button.network-choice:not(:disabled)') as HTMLButtonElement | null)?.focus();
  }, [loaded]);

  async function choose(network: ConnectNetwork, label: string) {
    setBusy(network);
    setError(null);
    try {
      await startConnect(client, network);
    } catch (e) {
      setError(`Could not start connecting ${label}: ${describeError(e)}`);
      setBusy(null);
    }
  }

  return (
    <div
      id="connect-choices"
      class="chooser"
      role="group"
      aria-labelledby="connect-title"
      ref={box}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <h3 id="connect-title">Choose a network</h3>
      {networks.error && (
        <p class="error" role="alert">
          Could not load the networks: {networks.error}{' '}
          <button type="button" class="small" onClick={networks.reload}>
            Try again
          </button>
        </p>
      )}
      {networks.loading && !networks.data && <p aria-busy="true">Loading the networks…</p>}
      {networks.data && (
        <ul class="choices">
          {networks.data.map((n) => (
            <li key={n.network}>
              <button
                type="button"
                class="network-choice"
                disabled={!n.configured || busy !== null}
                aria-describedby={n.hint ? `hint-${n.network}` : undefined}
                onClick={() => choose(n.network, n.label)}
              >
                {n.label}
              </button>
              {!n.configured && <span class="hint"> Not set up on this server.</span>}
              {n.hint && (
                <p class="hint" id={`hint-${n.network}`}>
                  {n.hint}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
      <p class="ok" role="status">
        {busy && `Taking you to ${networks.data?.find((n) => n.network === busy)?.label ?? busy}…`}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="button" class="small" onClick={onClose}>
        Cancel
      </button>
    </div>
  );
}

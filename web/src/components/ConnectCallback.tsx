import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Client, describeError } from '../api';
import { CONNECT_LABEL, listInWords, putBackConnectReturn, takeConnectReturn } from '../connect';
import { NETWORK_LABEL } from '../format';
import { useAction } from '../hooks/useAction';
import { settingsPath } from '../route';
import type { ConnectCallbackAnswer, ConnectCandidate } from '../types';
import { Link, type Navigate } from './Link';
import { SettingsHeader } from './Settings';

type State =
  | { kind: 'nothing' }
  | { kind: 'sending' }
  | { kind: 'failed'; error: string }
  | { kind: 'reconnected'; name: string }
  | { kind: 'choose'; answer: ConnectCallbackAnswer };

const CHANNELS = settingsPath('channels');

interface Props {
  client: Client;
  inboxPath: string;
  navigate: Navigate;
  onSignOut: () => void;
}

/**
 * `/connect/callback`: the network sent the browser back after the admin consented. The
 * network's answer (kept by `keepConnectReturn`, already out of the address) is handed to the
 * inbox once; then either the reconnected profile is said, or the pages, accounts and channels
 * the consent covers are offered to connect.
 */
export function ConnectCallback({ client, inboxPath, navigate, onSignOut }: Props) {
  const [kept] = useState(() => takeConnectReturn());
  const [state, setState] = useState<State>(kept ? { kind: 'sending' } : { kind: 'nothing' });
  const sent = useRef(false);

  useEffect(() => {
    if (!kept || sent.current) return;
    sent.current = true;
    client.finishConnect(kept).then(
      (a) => setState(a.reconnected ? { kind: 'reconnected', name: a.reconnected.name } : { kind: 'choose', answer: a }),
      (e) => {
        // The session ended: after signing in again, the page picks the answer up again.
        if (e instanceof ApiError && e.status === 401) putBackConnectReturn(kept);
        setState({ kind: 'failed', error: describeError(e) });
      },
    );
  }, [client, kept]);

  // Each outcome's heading takes the focus, so that it is read out.
  useEffect(() => {
    if (state.kind !== 'sending') document.getElementById('connect-result')?.focus();
  }, [state.kind]);

  let body;
  switch (state.kind) {
    case 'sending':
      body = <p aria-busy="true">Finishing the connection…</p>;
      break;
    case 'nothing':
      body = (
        <Outcome title="Nothing to finish here" link="Go to Channels" navigate={navigate}>
          <p>This connection was already handled, or it was started in another browser tab.</p>
        </Outcome>
      );
      break;
    case 'failed':
      body = (
        <Outcome title="The channel was not connected" link="Start again" navigate={navigate}>
          <p class="error" role="alert">
            {state.error}
          </p>
        </Outcome>
      );
      break;
    case 'reconnected':
      body = (
        <Outcome title={`${state.name} is reconnected`} link="Go to Channels" navigate={navigate}>
          <p role="status">The inbox can read and answer its messages again.</p>
        </Outcome>
      );
      break;
    case 'choose':
      body = <Candidates client={client} answer={state.answer} navigate={navigate} />;
      break;
  }

  return (
    <div class="settings-page">
      <SettingsHeader title="Connect a channel" inboxPath={inboxPath} navigate={navigate} onSignOut={onSignOut} />
      <main class="settings-main connect-page">{body}</main>
    </div>
  );
}

/** An outcome of the callback: its heading (focused), what happened, the way on to Channels. */
function Outcome({ title, link, navigate, children }: { title: string; link: string; navigate: Navigate; children: ComponentChildren }) {
  return (
    <>
      <h2 id="connect-result" tabIndex={-1}>
        {title}
      </h2>
      {children}
      <p>
        <Link href={CHANNELS} navigate={navigate}>
          {link}
        </Link>
      </p>
    </>
  );
}

const keyOf = (c: ConnectCandidate) => `${c.network}:${c.external_id}`;

const KIND: Record<ConnectCandidate['kind'], string> = {
  page: 'Facebook Page',
  instagram_account: 'Instagram account',
  organization: 'LinkedIn page',
  user: 'account',
  channel: 'YouTube channel',
};

function kindOf(c: ConnectCandidate): string {
  return c.kind === 'user' ? `${NETWORK_LABEL[c.network] ?? c.network} account` : KIND[c.kind];
}

/** What the consent covers: check the ones to connect. */
function Candidates({ client, answer, navigate }: { client: Client; answer: ConnectCallbackAnswer; navigate: Navigate }) {
  const list = answer.candidates;
  // Every one that can be and is not yet connected; a single one whatever (a reconnection).
  const [chosen, setChosen] = useState<string[]>(() =>
    list.filter((c) => c.available && (list.length === 1 || !c.connected_profile_id)).map(keyOf),
  );
  const { busy, error, run } = useAction();
  const from = CONNECT_LABEL[answer.network] ?? answer.network;

  async function submit(e: Event) {
    e.preventDefault();
    const presences = list.filter((c) => chosen.includes(keyOf(c))).map((c) => ({ network: c.network, external_id: c.external_id }));
    if (!presences.length) return;
    await run(async () => {
      const r = await client.connectProfiles(answer.flow_id, presences);
      const name = (id: string) => r.profiles.find((p) => p.id === id)?.name ?? 'A channel';
      const problems = r.subscriptions
        .filter((s) => !s.subscribed)
        .map(
          (s) =>
            `${name(s.profile_id)} is connected, but the inbox could not subscribe to its events${s.error ? `: ${s.error}` : ''}. Its new messages may not arrive until it is reconnected.`,
        );
      navigate(CHANNELS, { notice: { text: `Connected ${listInWords(r.profiles.map((p) => p.name))}.`, problems } });
    }, 'Could not connect');
  }

  if (list.length === 0) {
    return (
      <>
        <h2 id="connect-result" tabIndex={-1}>
          Nothing to connect
        </h2>
        <p>{from} showed nothing this inbox can connect with the permissions you gave.</p>
        <p>
          <Link href={CHANNELS} navigate={navigate}>
            Start again
          </Link>
        </p>
      </>
    );
  }

  return (
    <>
      <h2 id="connect-result" tabIndex={-1}>
        Choose what to connect
      </h2>
      <form class="settings-form" aria-labelledby="connect-result" onSubmit={submit}>
        <fieldset class="candidates">
          <legend>From {from}</legend>
          {list.map((c) => {
            const k = keyOf(c);
            const notes = [c.connected_profile_id ? 'Already connected.' : '', !c.available && c.why_not ? c.why_not : ''].filter(Boolean);
            return (
              <div key={k} class={`candidate${c.available ? '' : ' unavailable'}`}>
                <label class="check">
                  <input
                    type="checkbox"
                    disabled={!c.available}
                    checked={chosen.includes(k)}
                    aria-describedby={notes.length ? `why-${k}` : undefined}
                    onChange={(e) => {
                      const on = e.currentTarget.checked;
                      setChosen((x) => (on ? [...x.filter((y) => y !== k), k] : x.filter((y) => y !== k)));
                    }}
                  />
                  {c.name}
                  {c.handle && ` @${c.handle}`} ({kindOf(c)})
                </label>
                {notes.length > 0 && (
                  <p class="hint" id={`why-${k}`}>
                    {notes.join(' ')}
                  </p>
                )}
              </div>
            );
          })}
        </fieldset>
        {error && (
          <p class="error" role="alert">
            {error}{' '}
            <Link href={CHANNELS} navigate={navigate}>
              Start again
            </Link>
          </p>
        )}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || chosen.length === 0}>
            {busy ? 'Connecting…' : 'Connect'}
          </button>
          <Link href={CHANNELS} navigate={navigate} class="button">
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}

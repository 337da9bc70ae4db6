import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Client } from '../api';
import { axeProblems } from '../test/axe';
import { fakeFetch, meAs } from '../test/fixtures';
import type { AccountProfile, Channel } from '../types';
import { Settings } from './Settings';

afterEach(() => {
  cleanup();
  history.replaceState(null, '', '/');
});

type Routes = Parameters<typeof fakeFetch>[0];

/** The settings at `section` for an admin (or `role`), on a fake API answering `routes`. */
function renderSettings(section: string | null, routes: Routes, role: 'admin' | 'member' = 'admin') {
  const api = fakeFetch({ 'GET /api/me': () => ({ body: meAs(role) }), ...routes });
  const navigate = vi.fn();
  const props = { client: new Client({ token: () => 't', fetch: api.fetch }), inboxPath: '/tabs/t1', notice: null, navigate, onSignOut: () => {} };
  const view = render(<Settings {...props} section={section} />);
  return { ...api, navigate, view, rerender: (s: string | null) => view.rerender(<Settings {...props} section={s} />) };
}

const sectionLinks = () =>
  within(screen.getByRole('navigation', { name: 'Settings sections' }))
    .getAllByRole('link')
    .map((a) => a.textContent);

const profiles: AccountProfile[] = [
  { id: 'prf_fb', network: 'facebook', external_id: '101', name: 'Demo Page', handle: 'demo', connected: true, token_expires_at: null },
  { id: 'prf_ig', network: 'instagram', external_id: '178', name: 'Demo Insta', handle: 'demo.insta', connected: true, token_expires_at: null },
];

const now = Date.now();
const iso = (ms: number) => new Date(now + ms).toISOString();

function channel(over: Partial<Channel> = {}): Channel {
  return {
    profile_id: 'prf_fb',
    network: 'facebook',
    name: 'Demo Page',
    handle: 'demo',
    last_event_at: iso(-3 * 3600_000),
    quiet: false,
    token_state: 'valid',
    token_error: null,
    polled: false,
    last_poll_ok_at: null,
    next_poll_at: null,
    last_poll_error: null,
    webhook_subscribed: true,
    webhook_checked_at: iso(-600_000),
    next_renewal_at: iso(5 * 86400_000),
    refresh_expires_at: null,
    ...over,
  };
}

describe('who sees what', () => {
  it('members see only Notifications, and an admin section says so without asking for its data', async () => {
    const { calls, rerender } = renderSettings('team', { 'GET /api/users': () => ({ body: { users: [] } }) }, 'member');
    expect(await screen.findByText(/Only admins manage the team\./)).toBeTruthy();
    expect(sectionLinks()).toEqual(['Saved replies', 'Notifications']);
    rerender('webhooks');
    expect(await screen.findByText(/Only admins manage webhooks\./)).toBeTruthy();
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['GET /api/me']);
  });

  it('admins see every section, and /settings opens the first', async () => {
    const { navigate } = renderSettings(null, {}, 'admin');
    await waitFor(() => expect(navigate).toHaveBeenCalledWith('/settings/team', { replace: true }));
    expect(sectionLinks()).toEqual(['Team', 'Channels', 'Webhooks', 'API keys', 'Salesforce', 'Saved replies', 'Notifications']);
  });

  it('a member going to /settings lands on Notifications', async () => {
    const { navigate } = renderSettings(null, {}, 'member');
    await waitFor(() => expect(navigate).toHaveBeenCalledWith('/settings/notifications', { replace: true }));
  });

  it('Escape goes back to the inbox, but not out of a form', async () => {
    const { navigate } = renderSettings('team', {
      'GET /api/users': () => ({ body: { users: [meAs('admin').user] } }),
      'GET /api/profiles': () => ({ body: { profiles: [] } }),
    });
    const form = within(await screen.findByRole('form', { name: 'Add a teammate' }));
    fireEvent.keyDown(form.getByLabelText('Name'), { key: 'Escape' });
    expect(navigate).not.toHaveBeenCalled();
    fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(navigate).toHaveBeenCalledWith('/tabs/t1');
    expect(screen.getByRole('link', { name: 'Back to inbox' }).getAttribute('href')).toBe('/tabs/t1');
  });
});

describe('Notifications', () => {
  it('turns the caller’s notification emails off and on', async () => {
    const { calls } = renderSettings('notifications', {
      'PUT /api/me/notifications': (b) => ({ body: { ...meAs('member').user, email_notifications: (b as { email_notifications: boolean }).email_notifications } }),
    }, 'member');
    const box = (await screen.findByLabelText('Email me my notifications')) as HTMLInputElement;
    expect(box.checked).toBe(true);
    fireEvent.click(box);
    expect((await screen.findByText('Saved: you will no longer get notification emails.')).getAttribute('role')).toBe('status');
    expect(calls.at(-1)).toMatchObject({ method: 'PUT', url: '/api/me/notifications', body: { email_notifications: false } });
    expect(box.checked).toBe(false);
  });

  it('from an email’s unsubscribe link, says they are off', async () => {
    history.replaceState(null, '', '/settings/notifications?unsubscribed=1');
    renderSettings('notifications', {}, 'member');
    expect((await screen.findByText('You will no longer get notification emails.')).getAttribute('role')).toBe('status');
  });
});

describe('Team', () => {
  const routes: Routes = {
    'GET /api/users': () => ({ body: { users: [meAs('admin').user, meAs('member').user] } }),
    'GET /api/profiles': () => ({ body: { profiles } }),
    'POST /api/users': (b) => ({ status: 201, body: { id: 'usr_new', account_id: 'acc_demo', ...(b as object) } }),
  };

  it('lists the team and adds a teammate with the profiles they may see', async () => {
    const { calls, view } = renderSettings('team', routes);
    const list = await screen.findByRole('list', { name: 'Teammates' });
    expect(list.textContent).toContain('Bob Stone');
    expect(list.textContent).toContain('Sees Demo Page.');
    expect(list.textContent).toContain('Sees every profile.');
    expect(screen.queryByRole('button', { name: 'Remove Alice Martin' })).toBeNull(); // not yourself
    expect(await axeProblems(view.container)).toEqual([]);

    const form = within(screen.getByRole('form', { name: 'Add a teammate' }));
    fireEvent.input(form.getByLabelText('Name'), { target: { value: 'Dana Reed' } });
    fireEvent.input(form.getByLabelText('Email'), { target: { value: 'dana@demo.example' } });
    fireEvent.click(form.getByRole('checkbox', { name: 'Demo Insta (Instagram)' }));
    fireEvent.click(form.getByRole('button', { name: 'Add teammate' }));
    expect(await screen.findByText('Added Dana Reed to the team.')).toBeTruthy();
    expect(calls.at(-1)).toMatchObject({
      method: 'POST',
      url: '/api/users',
      body: { name: 'Dana Reed', email: 'dana@demo.example', role: 'member', inbox_access: true, email_notifications: true, profile_ids: ['prf_ig'] },
    });
    expect(list.textContent).toContain('Dana Reed');
    // The form is empty again.
    expect((within(screen.getByRole('form', { name: 'Add a teammate' })).getByLabelText('Name') as HTMLInputElement).value).toBe('');
  });

  it('an admin sees every profile: no profile boxes', async () => {
    renderSettings('team', routes);
    const form = within(await screen.findByRole('form', { name: 'Add a teammate' }));
    fireEvent.change(form.getByLabelText('Role'), { target: { value: 'admin' } });
    expect(form.getByText('Admins see every profile.')).toBeTruthy();
    expect(form.queryByRole('checkbox', { name: /Demo Page/ })).toBeNull();
  });

  it('edits a teammate’s role, access and profiles', async () => {
    const { calls } = renderSettings('team', { ...routes, 'PUT /api/users/usr_bob': (b) => ({ body: { ...meAs('member').user, ...(b as object) } }) });
    fireEvent.click(await screen.findByRole('button', { name: 'Edit Bob Stone' }));
    const form = within(screen.getByRole('form', { name: 'Edit Bob Stone' }));
    expect((form.getByRole('checkbox', { name: 'Demo Page (Facebook)' }) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(form.getByRole('checkbox', { name: 'Inbox access' }));
    fireEvent.click(form.getByRole('checkbox', { name: 'Demo Insta (Instagram)' }));
    fireEvent.click(form.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Saved the changes to Bob Stone.')).toBeTruthy();
    expect(calls.at(-1)!.body).toEqual({
      name: 'Bob Stone', email: 'bob@demo.example', role: 'member', inbox_access: false, email_notifications: true, profile_ids: ['prf_fb', 'prf_ig'],
    });
    expect(screen.getByRole('list', { name: 'Teammates' }).textContent).toContain('No inbox access.');
  });

  it('removes a teammate only once confirmed, and shows a refusal in words', async () => {
    let refuse = true;
    const { calls } = renderSettings('team', {
      ...routes,
      'DELETE /api/users/usr_bob': () =>
        refuse ? { status: 422, body: { error: { code: 'rule_violated', message: 'bob still has open conversations' } } } : { status: 204 },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Remove Bob Stone' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    const ask = within(screen.getByRole('group', { name: 'Remove Bob Stone' }));
    fireEvent.click(ask.getByRole('button', { name: 'Remove' }));
    expect((await ask.findByRole('alert')).textContent).toBe('Could not remove: Bob still has open conversations.');
    refuse = false;
    fireEvent.click(ask.getByRole('button', { name: 'Remove' }));
    expect(await screen.findByText('Removed Bob Stone from the team.')).toBeTruthy();
    expect(screen.getByRole('list', { name: 'Teammates' }).textContent).not.toContain('Bob Stone');
  });
});

describe('Channels', () => {
  const networks = [
    { network: 'facebook', label: 'Facebook and Instagram', configured: true, hint: null },
    { network: 'twitter', label: 'X', configured: false, hint: 'Set TWITTER_CLIENT_ID and TWITTER_CLIENT_SECRET on the server.' },
  ];

  it('shows each channel’s health in words', async () => {
    const { view } = renderSettings('channels', {
      'GET /api/channels': () => ({
        body: {
          channels: [
            channel(),
            channel({
              profile_id: 'prf_li', network: 'linkedin', name: 'Demo Co', handle: '', token_state: 'needs_reconnection',
              token_error: 'LinkedIn refused the token: it was revoked', polled: true, next_poll_at: iso(4 * 60_000),
              last_poll_error: 'LinkedIn answered 401', webhook_subscribed: null, webhook_checked_at: null, next_renewal_at: null,
              refresh_expires_at: iso(20 * 86400_000), quiet: true,
            }),
          ],
        },
      }),
    });
    const list = await screen.findByRole('list', { name: 'Channels' });
    const [fb, li] = within(list).getAllByRole('listitem');
    expect(fb!.textContent).toContain('Facebook');
    expect(fb!.textContent).toContain('3 hours ago');
    expect(fb!.textContent).toContain('Access is valid');
    expect(fb!.textContent).toContain('Next renewal');
    expect(fb!.textContent).toContain('in 5 days');
    expect(fb!.textContent).toContain('Subscribed (checked 10 minutes ago)');
    expect(li!.textContent).toContain('LinkedIn');
    expect(li!.textContent).toContain('Needs reconnection: LinkedIn refused the token: it was revoked');
    expect(li!.textContent).toContain('in 4 minutes');
    expect(li!.textContent).toContain('The last check failed: LinkedIn answered 401');
    expect(li!.textContent).toContain('Reconnect by');
    expect(li!.textContent).toContain('Quiet');
    expect(await axeProblems(view.container)).toEqual([]);
  });

  it('a disconnect asks first, and only then removes the profile', async () => {
    const { calls } = renderSettings('channels', {
      'GET /api/channels': () => ({ body: { channels: [channel()] } }),
      'DELETE /api/profiles/prf_fb': () => ({ status: 204 }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Disconnect Demo Page' }));
    const ask = screen.getByRole('group', { name: 'Disconnect Demo Page' });
    expect(ask.textContent).toContain('Disconnect Demo Page (Facebook)?');
    expect(document.activeElement).toBe(within(ask).getByRole('button', { name: 'Cancel' }));
    fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(screen.queryByRole('group', { name: 'Disconnect Demo Page' })).toBeNull();
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);

    fireEvent.click(screen.getByRole('button', { name: 'Disconnect Demo Page' }));
    fireEvent.click(within(screen.getByRole('group', { name: 'Disconnect Demo Page' })).getByRole('button', { name: 'Disconnect' }));
    expect(await screen.findByText('Demo Page is disconnected.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual(['/api/profiles/prf_fb']);
    expect(screen.getByText(/No channels are connected yet/)).toBeTruthy();
  });

  it('connects a channel: lists the networks, an unconfigured one disabled with its hint, and goes to the network', async () => {
    const assign = vi.spyOn(location, 'assign').mockImplementation(() => {});
    const { calls, view } = renderSettings('channels', {
      'GET /api/channels': () => ({ body: { channels: [] } }),
      'GET /api/connect/networks': () => ({ body: { networks } }),
      'POST /api/connect': () => ({ status: 201, body: { flow_id: 'flw_1', authorize_url: 'https://www.facebook.com/dialog/oauth?state=s1', expires_at: iso(600_000) } }),
    });
    const open = await screen.findByRole('button', { name: 'Connect a channel' });
    expect(open.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(open);
    const x = await screen.findByRole('button', { name: 'X' });
    expect(x).toHaveProperty('disabled', true);
    expect(x.getAttribute('aria-describedby')).toBe('hint-twitter');
    expect(screen.getByText('Set TWITTER_CLIENT_ID and TWITTER_CLIENT_SECRET on the server.')).toBeTruthy();
    expect(await axeProblems(view.container)).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Facebook and Instagram' }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith('https://www.facebook.com/dialog/oauth?state=s1'));
    expect(calls.at(-1)).toMatchObject({ method: 'POST', url: '/api/connect', body: { network: 'facebook' } });
  });

  it('reconnects an Instagram account through Facebook, for that profile', async () => {
    const assign = vi.spyOn(location, 'assign').mockImplementation(() => {});
    const { calls } = renderSettings('channels', {
      'GET /api/channels': () => ({ body: { channels: [channel({ profile_id: 'prf_ig', network: 'instagram', name: 'Demo Insta', token_state: 'expiring' })] } }),
      'POST /api/connect': () => ({ status: 201, body: { flow_id: 'flw_2', authorize_url: 'https://www.facebook.com/dialog/oauth?state=s2', expires_at: iso(600_000) } }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Reconnect Demo Insta' }));
    await waitFor(() => expect(assign).toHaveBeenCalled());
    expect(calls.at(-1)!.body).toEqual({ network: 'facebook', profile_id: 'prf_ig' });
  });
});

describe('Webhooks', () => {
  const sub = {
    id: 'whs_1', kind: 'webhook', url: 'https://hooks.example/a', events: ['conversation.created'], description: '', enabled: true,
    disabled_reason: null, failing_since: null, last_success_at: null, last_failure: null, created_at: iso(-86400_000), updated_at: iso(-86400_000),
  };

  it('shows a new webhook’s secret once, with a way to copy it', async () => {
    const { calls, view } = renderSettings('webhooks', {
      'GET /api/webhook-subscriptions': () => ({ body: { subscriptions: [] } }),
      'POST /api/webhook-subscriptions': (b) => ({ status: 201, body: { ...sub, id: 'whs_2', ...(b as object), secret: 'whsec_c2VjcmV0' } }),
    });
    const form = within(await screen.findByRole('form', { name: 'Add a webhook' }));
    fireEvent.input(form.getByLabelText('Address (URL)'), { target: { value: 'https://hooks.example/new' } });
    fireEvent.click(form.getByRole('checkbox', { name: /A note is added/ }));
    fireEvent.click(form.getByRole('button', { name: 'Add webhook' }));
    const shown = await screen.findByRole('region', { name: 'The signing secret of https://hooks.example/new' });
    expect(calls.at(-1)!.body).toEqual({ url: 'https://hooks.example/new', events: ['conversation.created', 'item.received', 'note.added'], description: '' });
    expect((within(shown).getByLabelText('Signing secret') as HTMLInputElement).value).toBe('whsec_c2VjcmV0');
    expect(shown.textContent).toContain('it will not be shown again');
    expect(within(shown).getByRole('button', { name: 'Copy' })).toBeTruthy();
    expect(await axeProblems(view.container)).toEqual([]);
    fireEvent.click(within(shown).getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('region', { name: /signing secret/ })).toBeNull();
    expect(view.container.innerHTML).not.toContain('whsec_c2VjcmV0');
    expect(screen.getByRole('list', { name: 'Webhooks' }).textContent).toContain('https://hooks.example/new');
  });

  it('rotates a secret once confirmed, changes events, and replays a dead delivery', async () => {
    const { calls } = renderSettings('webhooks', {
      'GET /api/webhook-subscriptions': () => ({ body: { subscriptions: [sub] } }),
      'POST /api/webhook-subscriptions/whs_1/rotate-secret': () => ({ body: { ...sub, secret: 'whsec_bmV3' } }),
      'PATCH /api/webhook-subscriptions/whs_1': (b) => ({ body: { ...sub, ...(b as object) } }),
      'GET /api/webhook-subscriptions/whs_1/deliveries': () => ({
        body: {
          deliveries: [{
            id: 'dlv_1', subscription_id: 'whs_1', event_id: 'evt_1', event_type: 'conversation.created', conversation_id: 'cnv_1', seq: 1,
            state: 'dead', attempts: 8, next_attempt_at: null, created_at: iso(-2 * 86400_000), last_attempt_at: iso(-86400_000),
            last_status: 500, last_error: 'server error', finished_at: iso(-86400_000),
          }],
          next_before: null,
        },
      }),
      'POST /api/webhook-subscriptions/whs_1/deliveries/dlv_1/replay': () => ({
        status: 202,
        body: { id: 'dlv_1', subscription_id: 'whs_1', event_id: 'evt_1', event_type: 'conversation.created', conversation_id: 'cnv_1', seq: 1, state: 'pending', attempts: 0, next_attempt_at: iso(1000), created_at: iso(-2 * 86400_000), last_attempt_at: null, last_status: null, last_error: null, finished_at: null },
      }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Rotate secret of the webhook to https://hooks.example/a' }));
    expect(calls.some((c) => c.url.endsWith('/rotate-secret'))).toBe(false);
    fireEvent.click(within(screen.getByRole('group', { name: /Rotate the secret/ })).getByRole('button', { name: 'Rotate secret' }));
    expect(((await screen.findByLabelText('Signing secret')) as HTMLInputElement).value).toBe('whsec_bmV3');
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));

    fireEvent.click(screen.getByRole('button', { name: 'Edit the webhook to https://hooks.example/a' }));
    const form = within(screen.getByRole('form', { name: 'Edit the webhook to https://hooks.example/a' }));
    fireEvent.click(form.getByRole('checkbox', { name: /On \(events are delivered\)/ }));
    fireEvent.click(form.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Saved the webhook to https://hooks.example/a.')).toBeTruthy();
    expect(calls.at(-1)).toMatchObject({ method: 'PATCH', body: { url: 'https://hooks.example/a', events: ['conversation.created'], enabled: false } });

    fireEvent.click(screen.getByRole('button', { name: 'Deliveries of the webhook to https://hooks.example/a' }));
    const replay = await screen.findByRole('button', { name: /^Replay the conversation.created delivery of/ });
    expect(calls.at(-1)!.url).toBe('/api/webhook-subscriptions/whs_1/deliveries?limit=50&state=dead');
    fireEvent.click(replay);
    expect(await screen.findByText('The delivery will be sent again shortly.')).toBeTruthy();
    expect(screen.getByText('Being tried')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Replay/ })).toBeNull();
  });
});

describe('API keys and Salesforce', () => {
  it('shows a new API key once, and revokes a key once confirmed', async () => {
    const key = { id: 'key_1', name: 'Zapier', prefix: 'ink_ab12', created_by: 'usr_alice', created_at: iso(-86400_000) };
    const { calls } = renderSettings('api-keys', {
      'GET /api/api-keys': () => ({ body: { api_keys: [key] } }),
      'GET /api/team': () => ({ body: { users: [{ id: 'usr_alice', name: 'Alice Martin', email: 'alice@demo.example' }] } }),
      'POST /api/api-keys': () => ({ status: 201, body: { ...key, id: 'key_2', name: 'Script', key: 'ink_secretvalue' } }),
      'DELETE /api/api-keys/key_1': () => ({ status: 204 }),
    });
    expect((await screen.findByRole('list', { name: 'API keys' })).textContent).toContain('Made by Alice Martin');
    fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'Script' } });
    fireEvent.click(screen.getByRole('button', { name: 'Make API key' }));
    expect(((await screen.findByLabelText('API key')) as HTMLInputElement).value).toBe('ink_secretvalue');
    expect(calls.at(-1)!.body).toEqual({ name: 'Script' });
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByDisplayValue('ink_secretvalue')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Revoke Zapier' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    fireEvent.click(within(screen.getByRole('group', { name: 'Revoke Zapier' })).getByRole('button', { name: 'Revoke' }));
    expect(await screen.findByText('Revoked the API key “Zapier”.')).toBeTruthy();
  });

  it('connects Salesforce, and shows Salesforce’s refusal in words', async () => {
    let refuse = true;
    const { calls } = renderSettings('salesforce', {
      'GET /api/integrations/salesforce': () => ({ status: 404, body: { error: { code: 'not_found', message: 'Salesforce is not connected' } } }),
      'GET /api/tabs': () => ({ body: { tabs: [{ id: 'tab_vip', name: 'VIP', position: 0, filters: {}, query: '' }] } }),
      'PUT /api/integrations/salesforce': (b) =>
        refuse
          ? { status: 422, body: { error: { code: 'rule_violated', message: 'Salesforce refused the credentials: invalid_grant' } } }
          : { body: { ...(b as object), token_url: 'https://login.salesforce.com/services/oauth2/token', rule: { tab_id: 'tab_vip', name: 'VIP', filters: {}, query: '' }, connected_by: 'usr_alice', connected_at: iso(0), updated_at: iso(0) } },
    });
    const form = within(await screen.findByRole('form', { name: 'Connect Salesforce' }));
    fireEvent.input(form.getByLabelText('Instance URL'), { target: { value: 'https://acme.my.salesforce.com' } });
    fireEvent.input(form.getByLabelText('Client id (consumer key)'), { target: { value: 'cid' } });
    fireEvent.input(form.getByLabelText('Client secret (consumer secret)'), { target: { value: 'cs' } });
    fireEvent.input(form.getByLabelText('Refresh token'), { target: { value: 'rt' } });
    fireEvent.change(form.getByLabelText('Make Cases automatically from the tab'), { target: { value: 'tab_vip' } });
    fireEvent.click(form.getByRole('button', { name: 'Connect Salesforce' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Could not connect Salesforce: Salesforce refused the credentials: invalid_grant.');
    expect(calls.at(-1)!.body).toEqual({
      instance_url: 'https://acme.my.salesforce.com', client_id: 'cid', client_secret: 'cs', refresh_token: 'rt', external_id_field: null, rule_tab_id: 'tab_vip',
    });
    refuse = false;
    fireEvent.click(form.getByRole('button', { name: 'Connect Salesforce' }));
    expect(await screen.findByText('Salesforce is connected: https://acme.my.salesforce.com.')).toBeTruthy();
    expect(screen.getByText('From the tab “VIP”')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Disconnect Salesforce' })).toBeTruthy();
  });
});

describe('Saved replies', () => {
  const reply = (id: string, title: string, by: string) => ({
    id,
    title,
    text: `${title}, {first_name}`,
    created_by: by,
    created_at: '2026-01-01T10:00:00Z',
    updated_at: '2026-01-01T10:00:00Z',
    version: 1,
    filled: null,
  });
  const team = { users: [{ id: 'usr_alice', name: 'Alice Martin', email: 'alice@demo.example' }, { id: 'usr_bob', name: 'Bob Stone', email: 'bob@demo.example' }] };

  it('a member adds one, changes and removes their own, and only uses the others', async () => {
    let replies = [reply('rpl_a', 'Refund', 'usr_alice'), reply('rpl_b', 'Thanks', 'usr_bob')];
    const { calls } = renderSettings(
      'saved-replies',
      {
        'GET /api/saved-replies': () => ({ body: { saved_replies: replies } }),
        'GET /api/team': () => ({ body: team }),
        'POST /api/saved-replies': (b) => ({ status: 201, body: { ...reply('rpl_c', (b as { title: string }).title, 'usr_bob'), text: (b as { text: string }).text } }),
        'PATCH /api/saved-replies/rpl_b': (b) => ({ body: { ...replies[1], ...(b as object), version: 2 } }),
        'DELETE /api/saved-replies/rpl_b': () => {
          replies = replies.filter((r) => r.id !== 'rpl_b');
          return { status: 204 };
        },
      },
      'member',
    );
    const list = await screen.findByRole('list', { name: 'Saved replies' });
    expect(within(list).getByText(/^By Alice Martin, /)).toBeTruthy();
    expect(within(list).queryByRole('button', { name: 'Change Refund' })).toBeNull();
    fireEvent.click(within(list).getByRole('button', { name: 'Change Thanks' }));
    const form = screen.getByRole('form', { name: 'Change Thanks' });
    fireEvent.input(within(form).getByLabelText('Title'), { target: { value: 'Thank you' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save changes' }));
    await screen.findByText('Saved “Thank you”.');
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ title: 'Thank you', text: 'Thanks, {first_name}', version: 1 });
    const add = screen.getByRole('form', { name: 'Add a saved reply' });
    fireEvent.input(within(add).getByLabelText('Title'), { target: { value: 'Shipping' } });
    fireEvent.input(within(add).getByLabelText('Text'), { target: { value: 'It ships Monday, {first_name}.' } });
    fireEvent.click(within(add).getByRole('button', { name: 'Add saved reply' }));
    await screen.findByText('Added “Shipping”.');
    fireEvent.click(screen.getByRole('button', { name: 'Remove Thank you' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    await screen.findByText('Removed “Thank you”.');
    expect(screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent)).toEqual(['Refund', 'Shipping', 'Add a saved reply']);
  });
});

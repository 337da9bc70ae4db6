import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { takeConnectReturn } from '../connect';
import { axeProblems } from '../test/axe';
import { fakeFetch, jwt, meAs } from '../test/fixtures';
import type { ConnectCandidate } from '../types';
import { App } from './App';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  sessionStorage.clear();
  localStorage.clear();
  history.replaceState(null, '', '/');
});

const signedIn = () => localStorage.setItem('inbox.session', JSON.stringify({ token: jwt({ sub: 'usr_alice', exp: Math.floor(Date.now() / 1000) + 3600 }), via: 'dev' }));

function candidate(over: Partial<ConnectCandidate>): ConnectCandidate {
  return { network: 'facebook', external_id: '101', name: 'Demo Page', handle: '', kind: 'page', connected_profile_id: null, available: true, why_not: null, ...over };
}

const candidates = [
  candidate({}),
  candidate({ network: 'instagram', external_id: '178', name: 'Demo Insta', handle: 'demo.insta', kind: 'instagram_account' }),
  candidate({ external_id: '102', name: 'Old Page', connected_profile_id: 'prf_old' }),
  candidate({ external_id: '103', name: 'Locked Page', available: false, why_not: 'You are not an admin of this Page on Facebook.' }),
];

/** The page after the network sent the browser back (signed in, or not): the inbox answers from `routes`. */
function arrive(search: string, routes: Parameters<typeof fakeFetch>[0], signed = true) {
  if (signed) signedIn();
  const api = fakeFetch({
    'GET /api/me': () => ({ body: meAs('admin') }),
    'GET /api/channels': () => ({ body: { channels: [] } }),
    ...routes,
  });
  vi.stubGlobal('fetch', api.fetch);
  history.replaceState(null, '', `/connect/callback${search}`);
  return { ...api, view: render(<App />) };
}

describe('the connect callback', () => {
  it('hands in state and code once, out of the address, offers the candidates and connects the chosen ones', async () => {
    const { calls, view } = arrive('?state=st_1&code=c0de', {
      'POST /api/connect/callback': () => ({ body: { flow_id: 'flw_1', network: 'facebook', reconnected: null, candidates } }),
      'POST /api/connect/flw_1/profiles': () => ({
        status: 201,
        body: {
          profiles: [
            { id: 'prf_1', network: 'facebook', external_id: '101', name: 'Demo Page', handle: '', connected: true, token_expires_at: null },
          ],
          subscriptions: [{ profile_id: 'prf_1', subscribed: false, error: 'Facebook answered (#200) permissions error' }],
        },
      }),
    });
    // Out of the address at once: a reload does not hand it in again.
    expect(location.pathname + location.search).toBe('/connect/callback');
    await screen.findByRole('heading', { name: 'Choose what to connect' });
    const handedIn = calls.filter((c) => c.url === '/api/connect/callback');
    expect(handedIn).toHaveLength(1);
    expect(handedIn[0]!.body).toEqual({ state: 'st_1', code: 'c0de' });

    const box = (name: RegExp) => screen.getByRole('checkbox', { name }) as HTMLInputElement;
    expect(box(/^Demo Page/).checked).toBe(true);
    expect(box(/^Demo Insta @demo\.insta \(Instagram account\)/).checked).toBe(true);
    expect(box(/^Old Page/).checked).toBe(false); // connected already
    expect(screen.getByText('Already connected.')).toBeTruthy();
    expect(box(/^Locked Page/).disabled).toBe(true);
    expect(box(/^Locked Page/).checked).toBe(false);
    expect(screen.getByText('You are not an admin of this Page on Facebook.').id).toBe(box(/^Locked Page/).getAttribute('aria-describedby'));
    expect(await axeProblems(view.container)).toEqual([]);

    fireEvent.click(box(/^Demo Insta/));
    fireEvent.click(screen.getByRole('button', { name: 'Connect' }));
    await waitFor(() => expect(location.pathname).toBe('/settings/channels'));
    expect(calls.find((c) => c.url === '/api/connect/flw_1/profiles')!.body).toEqual({ presences: [{ network: 'facebook', external_id: '101' }] });
    expect(await screen.findByText('Connected Demo Page.')).toBeTruthy();
    await waitFor(() => expect(document.activeElement?.id).toBe('settings-notice'));
    expect(screen.getByText(/Demo Page is connected, but the inbox could not subscribe to its events: Facebook answered \(#200\) permissions error/).getAttribute('role')).toBe('alert');
    expect(calls.filter((c) => c.url === '/api/connect/callback')).toHaveLength(1);

    // Coming back to the address (a reload, the back button) hands nothing in again.
    view.unmount();
    history.replaceState(null, '', '/connect/callback');
    render(<App />);
    expect(await screen.findByRole('heading', { name: 'Nothing to finish here' })).toBeTruthy();
    expect(calls.filter((c) => c.url === '/api/connect/callback')).toHaveLength(1);
  });

  it('a single candidate is pre-checked even when connected already', async () => {
    arrive('?state=st_2&code=c2', {
      'POST /api/connect/callback': () => ({
        body: { flow_id: 'flw_2', network: 'youtube', reconnected: null, candidates: [candidate({ network: 'youtube', external_id: 'UC1', name: 'Demo TV', kind: 'channel', connected_profile_id: 'prf_yt' })] },
      }),
    });
    expect(((await screen.findByRole('checkbox', { name: /^Demo TV \(YouTube channel\)/ })) as HTMLInputElement).checked).toBe(true);
    expect(screen.getByRole('group', { name: 'From YouTube' })).toBeTruthy();
  });

  it('a reconnection says so and links to Channels', async () => {
    arrive('?state=st_3&code=c3', {
      'POST /api/connect/callback': () => ({
        body: {
          flow_id: 'flw_3', network: 'linkedin', candidates: [],
          reconnected: { id: 'prf_li', network: 'linkedin', external_id: 'o1', name: 'Demo Co', handle: '', connected: true, token_expires_at: null },
        },
      }),
    });
    expect(await screen.findByRole('heading', { name: 'Demo Co is reconnected' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Go to Channels' }).getAttribute('href')).toBe('/settings/channels');
  });

  it('a refusal (an expired flow, a denied consent) is said in words with a way to start again', async () => {
    const { calls } = arrive('?state=st_4&error=access_denied&error_description=The+user+denied+your+request', {
      'POST /api/connect/callback': () => ({ status: 422, body: { error: { code: 'rule_violated', message: 'Facebook did not connect: The user denied your request' } } }),
    });
    expect((await screen.findByRole('alert')).textContent).toBe('Facebook did not connect: The user denied your request.');
    expect(calls[0]!.body).toEqual({ state: 'st_4', error: 'access_denied', error_description: 'The user denied your request' });
    expect(location.search).toBe('');
    fireEvent.click(screen.getByRole('link', { name: 'Start again' }));
    await waitFor(() => expect(location.pathname).toBe('/settings/channels'));
  });

  it('signed out on arrival: the answer waits through sign-in, then is handed in', async () => {
    const { calls } = arrive('?state=st_5&code=c5', {
      'GET /api/dev/users': () => ({
        body: { users: [{ id: 'usr_alice', name: 'Alice Martin', email: 'alice@demo.example', role: 'admin', inbox_access: true, account_id: 'acc_demo', account_name: 'Demo' }] },
      }),
      'POST /api/dev/token': () => ({ body: { token: 'tok' } }),
      'POST /api/connect/callback': () => ({ body: { flow_id: 'flw_5', network: 'facebook', reconnected: null, candidates: [candidate({})] } }),
    }, false);
    expect(location.search).toBe('');
    fireEvent.click(await screen.findByRole('button', { name: /Alice Martin/ }));
    await screen.findByRole('heading', { name: 'Choose what to connect' });
    expect(calls.filter((c) => c.url === '/api/connect/callback').map((c) => c.body)).toEqual([{ state: 'st_5', code: 'c5' }]);
    expect(takeConnectReturn()).toBeNull();
  });
});

describe('the top bar', () => {
  it('opens the settings, and Back to inbox returns', async () => {
    signedIn();
    vi.stubGlobal(
      'fetch',
      fakeFetch({
        'GET /api/me': () => ({ body: meAs('member') }),
        'GET /api/team': () => ({ body: { users: [] } }),
        'GET /api/tabs': () => ({ body: { tabs: [] } }),
        'GET /api/notifications': () => ({ body: { notifications: [], unread: 0 } }),
      }).fetch,
    );
    render(<App />);
    const link = await screen.findByRole('link', { name: 'Settings' });
    fireEvent.click(link);
    await waitFor(() => expect(location.pathname).toBe('/settings/notifications'));
    expect(await screen.findByLabelText('Email me my notifications')).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Settings sections' });
    expect(within(nav).getByRole('link', { name: 'Notifications' }).getAttribute('aria-current')).toBe('page');
    fireEvent.click(screen.getByRole('link', { name: 'Back to inbox' }));
    await waitFor(() => expect(location.pathname).toBe('/'));
    expect(await screen.findByRole('link', { name: 'Settings' })).toBeTruthy();
  });
});

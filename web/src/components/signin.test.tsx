import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Client } from '../api';
import { beginSignIn, type AuthConfig, type PageConfig } from '../auth';
import { fakeFetch, jwt } from '../test/fixtures';
import { App } from './App';
import { SignIn } from './SignIn';


const auth: AuthConfig = {
  authorizeUrl: 'https://inbox.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
  tokenUrl: 'https://inbox.auth.eu-west-1.amazoncognito.com/oauth2/token',
  clientId: 'client123',
  logoutUrl: null,
  scope: 'openid email profile',
  redirectUri: null,
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  sessionStorage.clear();
  localStorage.clear();
  history.replaceState(null, '', '/');
});

describe('SignIn on a deployment', () => {
  it('offers the provider’s sign-in and never asks for dev sign-in', async () => {
    const { fetch, calls } = fakeFetch({});
    const assign = vi.spyOn(location, 'assign').mockImplementation(() => {});
    const config: PageConfig = { source: 'file', auth };
    render(<SignIn client={new Client({ token: () => null, fetch })} config={config} onSignedIn={() => {}} />);
    fireEvent.click(screen.getByRole('button', { name: 'Sign in with your organisation' }));
    await waitFor(() => expect(assign).toHaveBeenCalledTimes(1));
    const to = new URL(String(assign.mock.calls[0][0]));
    expect(to.origin + to.pathname).toBe(auth.authorizeUrl);
    expect(to.searchParams.get('response_type')).toBe('code');
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('state')).toBe(JSON.parse(sessionStorage.getItem('inbox.signin')!).state);
    expect(calls).toEqual([]);
    expect(screen.getByLabelText('Bearer token')).toBeTruthy();
  });

  it('a configuration that could not be read is said, with the token field', async () => {
    const { fetch, calls } = fakeFetch({});
    const config: PageConfig = { source: 'file', auth: null, error: 'The page’s configuration (/config.json) answered 403: sign-in is not set up on this site.' };
    render(<SignIn client={new Client({ token: () => null, fetch })} config={config} onSignedIn={() => {}} />);
    expect(screen.getByRole('alert').textContent).toContain('answered 403');
    expect(screen.getByLabelText('Bearer token')).toBeTruthy();
    expect(calls).toEqual([]);
  });
});

describe('App', () => {
  it('without /config.json it shows the runner’s dev sign-in', async () => {
    const { fetch } = fakeFetch({
      'GET /api/dev/users': () => ({
        body: { users: [{ id: 'usr_bob', name: 'Bob Stone', email: 'bob@demo.example', role: 'member', inbox_access: true, account_id: 'acc', account_name: 'Demo' }] },
      }),
    });
    vi.stubGlobal('fetch', fetch);
    render(<App />);
    expect(await screen.findByRole('button', { name: /Bob Stone/ })).toBeTruthy();
  });

  it('back from the provider: exchanges the code, returns to the deep link and sends the ID token as the bearer', async () => {
    await beginSignIn(auth, { origin: location.origin, returnTo: '/tabs/tab_1/conversations/cnv_9' });
    const { state, nonce, verifier } = JSON.parse(sessionStorage.getItem('inbox.signin')!);
    const idToken = jwt({ 'custom:user_id': 'usr_1', 'custom:account_id': 'acc_1', nonce, exp: Math.floor(Date.now() / 1000) + 3600 });
    const seen: Array<{ url: string; auth: string | null; body?: string }> = [];
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      seen.push({ url, auth: headers.get('authorization'), body: init?.body ? String(init.body) : undefined });
      if (url === auth.tokenUrl) return new Response(JSON.stringify({ id_token: idToken, access_token: 'opaque', token_type: 'Bearer' }), { headers: { 'content-type': 'application/json' } });
      return new Promise<Response>(() => {}); // the inbox's own requests: left pending
    });
    history.replaceState(null, '', `/?code=c0de&state=${state}`);
    render(<App />);
    await waitFor(() => expect(seen.some((s) => s.url.startsWith('/api/'))).toBe(true));
    expect(seen[0].url).toBe(auth.tokenUrl);
    expect(new URLSearchParams(seen[0].body).get('code_verifier')).toBe(verifier);
    expect(location.pathname + location.search).toBe('/tabs/tab_1/conversations/cnv_9');
    expect(JSON.parse(localStorage.getItem('inbox.session')!)).toEqual({ token: idToken, via: 'oidc' });
    for (const s of seen.filter((s) => s.url.startsWith('/api/'))) expect(s.auth).toBe(`Bearer ${idToken}`);
    expect(seen.some((s) => s.url === '/config.json')).toBe(false);
  });

  it('an answer with another state is refused, the reason shown on the sign-in screen', async () => {
    await beginSignIn(auth, { origin: location.origin, returnTo: '/' });
    const calls: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      calls.push(url);
      if (url === '/config.json') return new Response(JSON.stringify({ auth: { authorize_url: auth.authorizeUrl, client_id: 'client123' } }), { headers: { 'content-type': 'application/json' } });
      return new Response('{}', { status: 404 });
    });
    history.replaceState(null, '', '/?code=forged&state=attacker');
    render(<App />);
    expect((await screen.findByRole('status')).textContent).toMatch(/does not match the sign-in this page started/);
    expect(screen.getByRole('button', { name: 'Sign in with your organisation' })).toBeTruthy();
    expect(calls).toEqual(['/config.json']); // the token endpoint was never called
    expect(location.search).toBe('');
    expect(localStorage.getItem('inbox.session')).toBeNull();
  });

  it('a forged answer does not replace the session this browser has', async () => {
    const mine = jwt({ sub: 'usr_me', exp: Math.floor(Date.now() / 1000) + 3600 });
    localStorage.setItem('inbox.session', JSON.stringify({ token: mine, via: 'oidc' }));
    const seen: Array<{ url: string; auth: string | null }> = [];
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      seen.push({ url, auth: new Headers(init?.headers).get('authorization') });
      return new Promise<Response>(() => {});
    });
    history.replaceState(null, '', '/?code=forged&state=attacker');
    render(<App />);
    await waitFor(() => expect(seen.length).toBeGreaterThan(0));
    expect(seen.every((s) => s.url.startsWith('/api/') && s.auth === `Bearer ${mine}`)).toBe(true);
    expect(location.search).toBe('');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { jwt } from './test/fixtures';
import { base64url, beginSignIn, claims, completeSignIn, envAuth, isCallback, loadConfig, parseAuth, pkceChallenge, randomString, type AuthConfig } from './auth';

const hour = () => Math.floor(Date.now() / 1000) + 3600;

const cognito: AuthConfig = {
  authorizeUrl: 'https://inbox.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
  tokenUrl: 'https://inbox.auth.eu-west-1.amazoncognito.com/oauth2/token',
  clientId: 'client123',
  logoutUrl: 'https://inbox.auth.eu-west-1.amazoncognito.com/logout?client_id=client123&logout_uri=https%3A%2F%2Fd1.cloudfront.net%2F',
  scope: 'openid email profile',
  redirectUri: null,
};

function respond(status: number, body: unknown, contentType = 'application/json') {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': contentType } });
}

/** A fetch that records its calls and answers with `answer`. */
function recording(answer: (url: string, init?: RequestInit) => Response | Promise<Response>) {
  const calls: Array<{ url: string; init?: RequestInit }> = [];
  const f = (async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    return answer(url, init);
  }) as unknown as typeof fetch;
  return { f, calls };
}

afterEach(() => sessionStorage.clear());

describe('page configuration (/config.json)', () => {
  const file = {
    auth: {
      authorize_url: cognito.authorizeUrl,
      token_url: cognito.tokenUrl,
      client_id: 'client123',
      logout_url: cognito.logoutUrl,
    },
  };

  it('is read from /config.json, never cached', async () => {
    const { f, calls } = recording(() => respond(200, file));
    const cfg = await loadConfig(f, {});
    expect(cfg).toEqual({ source: 'file', auth: cognito });
    expect(calls.map((c) => [c.url, c.init?.cache])).toEqual([['/config.json', 'no-store']]);
  });

  it('absent (404, as on the local runner) means local: dev sign-in, or the build’s provider', async () => {
    const { f } = recording(() => respond(404, { error: { code: 'not_found', message: 'file not found' } }));
    expect(await loadConfig(f, {})).toEqual({ source: 'none', auth: null });
    const cfg = await loadConfig(f, { VITE_AUTH_AUTHORIZE_URL: cognito.authorizeUrl, VITE_AUTH_CLIENT_ID: 'client123' });
    expect(cfg.source).toBe('none');
    expect(cfg.auth?.tokenUrl).toBe(cognito.tokenUrl); // beside the authorize endpoint
  });

  it('a host answering every address with the page (HTML) counts as absent', async () => {
    const { f } = recording(() => respond(200, '<!doctype html><title>Social inbox</title>', 'text/html'));
    expect(await loadConfig(f, {})).toEqual({ source: 'none', auth: null });
  });

  it('a broken or unreadable configuration is said in words, and dev sign-in is not tried', async () => {
    const denied = await loadConfig(recording(() => respond(403, '<Error>AccessDenied</Error>', 'application/xml')).f, {});
    expect(denied.source).toBe('file');
    expect(denied.error).toMatch(/answered 403/);
    const bad = await loadConfig(recording(() => respond(200, '{"auth": ')).f, {});
    expect(bad.error).toMatch(/not valid JSON/);
    const plain = await loadConfig(recording(() => respond(200, { auth: { ...file.auth, token_url: 'http://evil.example/token' } })).f, {});
    expect(plain.error).toMatch(/token_url must be an https address/);
  });

  it('a deployment without a provider says so (no auth section)', async () => {
    expect(await loadConfig(recording(() => respond(200, {})).f, {})).toEqual({ source: 'file', auth: null });
  });

  it('checks the auth section', () => {
    expect(() => parseAuth({ client_id: 'x' })).toThrow(/authorize_url is missing/);
    expect(() => parseAuth({ authorize_url: cognito.authorizeUrl })).toThrow(/client_id is missing/);
    expect(() => parseAuth({ authorize_url: 'https://idp.example/auth', client_id: 'x' })).toThrow(/token_url is missing/);
    // http only on this machine (a test identity provider).
    expect(parseAuth({ authorize_url: 'http://127.0.0.1:9/oauth2/authorize', client_id: 'x' })?.tokenUrl).toBe('http://127.0.0.1:9/oauth2/token');
    expect(parseAuth({ authorize_url: cognito.authorizeUrl, client_id: 'x', scope: 'openid' })?.scope).toBe('openid');
    expect(envAuth({})).toBeNull();
  });
});

describe('PKCE (RFC 7636)', () => {
  it('S256 challenge of the RFC’s verifier (appendix B)', async () => {
    expect(await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('base64url has no padding, + or /', () => {
    // The RFC's verifier is the base64url of these 32 octets (appendix B).
    const octets = [116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121];
    expect(base64url(Uint8Array.from(octets))).toBe('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');
    expect(base64url(Uint8Array.from([0xfb, 0xff]))).toBe('-_8');
  });

  it('verifiers are 43 unreserved characters, fresh each time', () => {
    const a = randomString(32);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomString(32)).not.toBe(a);
  });
});

describe('authorization-code sign-in', () => {
  const page = { origin: 'https://d1.cloudfront.net', returnTo: '/tabs/tab_1/conversations/cnv_9' };

  async function started() {
    const url = new URL(await beginSignIn(cognito, page));
    const q = Object.fromEntries(url.searchParams);
    const pending = JSON.parse(sessionStorage.getItem('inbox.signin')!);
    return { url, q, pending };
  }

  it('sends the browser to the provider with state, nonce and an S256 challenge', async () => {
    const { url, q, pending } = await started();
    expect(url.origin + url.pathname).toBe(cognito.authorizeUrl);
    expect(q).toMatchObject({
      response_type: 'code',
      client_id: 'client123',
      redirect_uri: 'https://d1.cloudfront.net/',
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    });
    expect(q.state).toBe(pending.state);
    expect(q.nonce).toBe(pending.nonce);
    expect(q.state.length).toBeGreaterThanOrEqual(22);
    expect(q.code_challenge).toBe(await pkceChallenge(pending.verifier));
    expect(q).not.toHaveProperty('code_verifier'); // the verifier never leaves the tab before the exchange
  });

  it('recognises the way back', () => {
    expect(isCallback('?code=abc&state=xyz')).toBe(true);
    expect(isCallback('?error=access_denied&state=xyz')).toBe(true);
    expect(isCallback('?code=abc')).toBe(false);
    expect(isCallback('')).toBe(false);
  });

  it('exchanges the code with the verifier and keeps the ID token', async () => {
    const { q, pending } = await started();
    const idToken = jwt({ sub: 'abc', 'custom:user_id': 'usr_1', 'custom:account_id': 'acc_1', nonce: pending.nonce, exp: hour() });
    const { f, calls } = recording(() => respond(200, { id_token: idToken, access_token: jwt({ exp: hour() }), token_type: 'Bearer', expires_in: 3600 }));
    const done = await completeSignIn(`?code=the-code&state=${q.state}`, sessionStorage, f);
    expect(done.session).toEqual({ token: idToken, via: 'oidc', logoutUrl: cognito.logoutUrl });
    expect(done.returnTo).toBe(page.returnTo);
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe(cognito.tokenUrl);
    expect(calls[0].init?.method).toBe('POST');
    expect((calls[0].init?.headers as Record<string, string>)['content-type']).toBe('application/x-www-form-urlencoded');
    expect(calls[0].init?.credentials).toBe('omit');
    expect(Object.fromEntries(new URLSearchParams(String(calls[0].init?.body)))).toEqual({
      grant_type: 'authorization_code',
      client_id: 'client123',
      code: 'the-code',
      redirect_uri: 'https://d1.cloudfront.net/',
      code_verifier: pending.verifier,
    });
    // Used once.
    expect(sessionStorage.getItem('inbox.signin')).toBeNull();
    await expect(completeSignIn(`?code=the-code&state=${q.state}`, sessionStorage, f)).rejects.toThrow(/not started from this tab, or was already used/);
    expect(calls).toHaveLength(1);
  });

  it('refuses an answer whose state is not the one this tab sent (CSRF), without calling the provider', async () => {
    const { q } = await started();
    const { f, calls } = recording(() => respond(200, { id_token: jwt({ exp: hour() }) }));
    await expect(completeSignIn(`?code=stolen&state=${q.state}x`, sessionStorage, f)).rejects.toThrow(/does not match the sign-in this page started \(state\)/);
    expect(calls).toHaveLength(0);
    // A sign-in this tab never started.
    await expect(completeSignIn('?code=stolen&state=anything', sessionStorage, f)).rejects.toThrow(/not started from this tab/);
    expect(calls).toHaveLength(0);
  });

  it('says why the provider refused', async () => {
    let { q } = await started();
    await expect(completeSignIn(`?error=access_denied&error_description=User+is+disabled&state=${q.state}`)).rejects.toThrow(
      'The identity provider did not sign you in: User is disabled. Sign in again.',
    );
    ({ q } = await started());
    const { f } = recording(() => respond(400, { error: 'invalid_grant' }));
    await expect(completeSignIn(`?code=old&state=${q.state}`, sessionStorage, f)).rejects.toThrow('The identity provider refused the sign-in code: invalid_grant. Sign in again.');
    ({ q } = await started());
    const down = (() => Promise.reject(new TypeError('Failed to fetch'))) as unknown as typeof fetch;
    await expect(completeSignIn(`?code=c&state=${q.state}`, sessionStorage, down)).rejects.toThrow(/could not be reached/);
  });

  it('refuses an ID token of another sign-in (nonce), an expired one, none, and a stale start', async () => {
    const answer = (t: unknown) => recording(() => respond(200, { id_token: t, access_token: 'a' })).f;
    let { q } = await started();
    await expect(completeSignIn(`?code=c&state=${q.state}`, sessionStorage, answer(jwt({ nonce: 'other', exp: hour() })))).rejects.toThrow(/nonce/);
    ({ q } = await started());
    await expect(completeSignIn(`?code=c&state=${q.state}`, sessionStorage, answer(jwt({ exp: 1 })))).rejects.toThrow(/already expired/);
    ({ q } = await started());
    await expect(completeSignIn(`?code=c&state=${q.state}`, sessionStorage, answer(undefined))).rejects.toThrow(/no ID token/);
    ({ q } = await started());
    await expect(completeSignIn(`?code=c&state=${q.state}`, sessionStorage, answer(jwt({ exp: hour() })), Date.now() + 11 * 60 * 1000)).rejects.toThrow(/took too long/);
  });

  it('goes back to a path of this page only', async () => {
    await beginSignIn(cognito, { origin: page.origin, returnTo: '//evil.example/' });
    const { state } = JSON.parse(sessionStorage.getItem('inbox.signin')!);
    const { f } = recording(() => respond(200, { id_token: jwt({ exp: hour() }) }));
    expect((await completeSignIn(`?code=c&state=${state}`, sessionStorage, f)).returnTo).toBe('/');
  });

  it('reads claims with non-ASCII names', () => {
    expect(claims(jwt({ name: 'Zoë Ødegård', exp: 1 }))).toEqual({ name: 'Zoë Ødegård', exp: 1 });
  });
});

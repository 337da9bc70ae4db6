// Sign-in.
//
// - Locally (no `/config.json`, as the runner serves it) the runner lists its users and hands
//   out a dev token (`serve --demo`).
// - A deployment serves `/config.json` next to the page (scripts/deploy.sh writes it from the
//   stack's outputs) naming its identity provider: the Cognito hosted UI, or any OpenID Connect
//   issuer. The page signs in with the authorization-code flow and PKCE (RFC 7636, S256): it
//   sends the user to `authorize_url` with a random `state` and code challenge, checks the
//   `state` that comes back (a sign-in this tab did not start is refused: CSRF), and exchanges
//   the code at `token_url` with the verifier. It keeps the ID token and sends it as the bearer
//   token: the API's JWT authorizer checks its audience (the client id), and the inbox reads the
//   user and account from its claims (`custom:user_id`, `custom:account_id`), which only the ID
//   token carries.
// - Builds made with VITE_AUTH_AUTHORIZE_URL and VITE_AUTH_CLIENT_ID (VITE_AUTH_TOKEN_URL,
//   VITE_AUTH_LOGOUT_URL) use those when there is no `/config.json`.

const KEY = 'inbox.session';
const PENDING = 'inbox.signin';
/** How long a started sign-in may take before its answer is refused. */
const PENDING_TTL_MS = 10 * 60 * 1000;

export interface Session {
  token: string;
  /** Where it came from, for the sign-out link. */
  via: 'dev' | 'oidc' | 'pasted';
  /** Where signing out sends the browser (the provider's logout endpoint), for `oidc`. */
  logoutUrl?: string;
}

export function loadSession(storage: Storage = localStorage): Session | null {
  try {
    const raw = storage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    if (typeof s.token !== 'string' || !s.token) return null;
    if (tokenExpired(s.token)) {
      storage.removeItem(KEY);
      return null;
    }
    return s;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null, storage: Storage = localStorage) {
  if (s) storage.setItem(KEY, JSON.stringify(s));
  else storage.removeItem(KEY);
}

function base64urlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  return atob(b64);
}

/** The claims of a JWT, unverified (the server verifies; this only reads the expiry). */
export function claims(token: string): Record<string, unknown> | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const bin = base64urlDecode(part);
    const json = new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
    const c = JSON.parse(json);
    return c && typeof c === 'object' ? c : null;
  } catch {
    return null;
  }
}

export function tokenExpired(token: string, now: number = Date.now()): boolean {
  const c = claims(token);
  return typeof c?.exp === 'number' && c.exp * 1000 < now;
}

// ---------------------------------------------------------------------------------------
// The page's configuration.

/** The identity provider, as `/config.json` (or the build) names it. */
export interface AuthConfig {
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  /** The provider's logout address, complete with where it sends the browser back. */
  logoutUrl: string | null;
  scope: string;
  /** Where the provider sends the browser back; the page's origin + `/` when not given. */
  redirectUri: string | null;
}

export interface PageConfig {
  /** `file`: `/config.json` was served (a deployment); `none`: it was not (a local runner). */
  source: 'file' | 'none';
  auth: AuthConfig | null;
  /** Why the configuration could not be read, in words. */
  error?: string;
}

export class SignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignInError';
  }
}

const DEFAULT_SCOPE = 'openid email profile';

/** An absolute https address, or http on this machine (a local identity provider in tests). */
function endpoint(value: unknown, name: string): string {
  if (typeof value !== 'string' || !value) throw new SignInError(`/config.json: auth.${name} is missing`);
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new SignInError(`/config.json: auth.${name} is not an address (${value})`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    throw new SignInError(`/config.json: auth.${name} must be an https address (${value})`);
  }
  return u.toString();
}

/**
 * Cognito's and most providers' token endpoint sits beside the authorize endpoint
 * (`…/oauth2/authorize` → `…/oauth2/token`).
 */
export function tokenUrlBeside(authorizeUrl: string): string | null {
  const u = new URL(authorizeUrl);
  if (!/\/authorize$/.test(u.pathname)) return null;
  u.pathname = u.pathname.replace(/\/authorize$/, '/token');
  u.search = '';
  return u.toString();
}

/** The `auth` section of `/config.json` (snake_case), checked. */
export function parseAuth(raw: unknown): AuthConfig | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object') throw new SignInError('/config.json: auth must be an object');
  const a = raw as Record<string, unknown>;
  const authorizeUrl = endpoint(a.authorize_url, 'authorize_url');
  if (typeof a.client_id !== 'string' || !a.client_id) throw new SignInError('/config.json: auth.client_id is missing');
  const tokenUrl = a.token_url === undefined ? tokenUrlBeside(authorizeUrl) : endpoint(a.token_url, 'token_url');
  if (!tokenUrl) throw new SignInError('/config.json: auth.token_url is missing');
  return {
    authorizeUrl,
    tokenUrl,
    clientId: a.client_id,
    logoutUrl: a.logout_url ? endpoint(a.logout_url, 'logout_url') : null,
    scope: typeof a.scope === 'string' && a.scope ? a.scope : DEFAULT_SCOPE,
    redirectUri: a.redirect_uri ? endpoint(a.redirect_uri, 'redirect_uri') : null,
  };
}

/** The provider named at build time (VITE_AUTH_*), if any. */
export function envAuth(env: Record<string, string | undefined> = import.meta.env): AuthConfig | null {
  if (!env.VITE_AUTH_AUTHORIZE_URL || !env.VITE_AUTH_CLIENT_ID) return null;
  return parseAuth({
    authorize_url: env.VITE_AUTH_AUTHORIZE_URL,
    client_id: env.VITE_AUTH_CLIENT_ID,
    token_url: env.VITE_AUTH_TOKEN_URL || undefined,
    logout_url: env.VITE_AUTH_LOGOUT_URL || undefined,
  });
}

/**
 * Reads `/config.json` (same origin, never cached). Absent (404, as on the local runner, or a
 * host that answers every address with the page) means local: the build's provider if it names
 * one, else the runner's dev sign-in.
 */
export async function loadConfig(
  f: typeof fetch = (...a) => fetch(...a),
  env: Record<string, string | undefined> = import.meta.env,
): Promise<PageConfig> {
  const local = (): PageConfig => ({ source: 'none', auth: envAuth(env) });
  let res: Response;
  try {
    res = await f('/config.json', { cache: 'no-store', headers: { accept: 'application/json' } });
  } catch {
    return { source: 'none', auth: null, error: 'The page’s configuration (/config.json) could not be fetched: check the connection and reload.' };
  }
  if (res.status === 404) return local();
  if (!res.ok) return { source: 'file', auth: null, error: `The page’s configuration (/config.json) answered ${res.status}: sign-in is not set up on this site.` };
  if (!(res.headers.get('content-type') ?? '').includes('json')) return local();
  try {
    const body = (await res.json()) as Record<string, unknown>;
    return { source: 'file', auth: parseAuth(body?.auth) };
  } catch (e) {
    const why = e instanceof SignInError ? e.message : '/config.json is not valid JSON';
    return { source: 'file', auth: null, error: `The page’s configuration is wrong: ${why}.` };
  }
}

// ---------------------------------------------------------------------------------------
// PKCE (RFC 7636) and the authorization-code flow.

export function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A random string of `bytes` bytes, base64url (32 bytes: a 43-character code verifier). */
export function randomString(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The S256 code challenge of a verifier: BASE64URL(SHA-256(ASCII(verifier))). */
export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** What the tab remembers between leaving for the provider and coming back. */
interface Pending {
  state: string;
  verifier: string;
  nonce: string;
  redirectUri: string;
  tokenUrl: string;
  clientId: string;
  logoutUrl: string | null;
  /** The page's address when sign-in started (a deep link), to go back to. */
  returnTo: string;
  at: number;
}

/**
 * Starts a sign-in: remembers a fresh state, nonce and code verifier in this tab's
 * `sessionStorage` and returns the provider's address to send the browser to.
 */
export async function beginSignIn(
  cfg: AuthConfig,
  page: { origin: string; returnTo: string },
  storage: Storage = sessionStorage,
  now: number = Date.now(),
): Promise<string> {
  const pending: Pending = {
    state: randomString(16),
    verifier: randomString(32),
    nonce: randomString(16),
    redirectUri: cfg.redirectUri ?? `${page.origin}/`,
    tokenUrl: cfg.tokenUrl,
    clientId: cfg.clientId,
    logoutUrl: cfg.logoutUrl,
    returnTo: page.returnTo,
    at: now,
  };
  storage.setItem(PENDING, JSON.stringify(pending));
  const u = new URL(cfg.authorizeUrl);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', cfg.clientId);
  u.searchParams.set('redirect_uri', pending.redirectUri);
  u.searchParams.set('scope', cfg.scope);
  u.searchParams.set('state', pending.state);
  u.searchParams.set('nonce', pending.nonce);
  u.searchParams.set('code_challenge', await pkceChallenge(pending.verifier));
  u.searchParams.set('code_challenge_method', 'S256');
  return u.toString();
}

/** True when the address is the provider sending the browser back (`?code=…&state=…` or `?error=…`). */
export function isCallback(search: string): boolean {
  const p = new URLSearchParams(search);
  return p.has('state') && (p.has('code') || p.has('error'));
}

/**
 * Finishes a sign-in the provider sent back: the `state` must be the one this tab sent (each
 * is used once), then the code is exchanged with the verifier for the tokens. Returns the
 * session (the ID token) and the address to go back to; throws a `SignInError` in words.
 */
export async function completeSignIn(
  search: string,
  storage: Storage = sessionStorage,
  f: typeof fetch = (...a) => fetch(...a),
  now: number = Date.now(),
): Promise<{ session: Session; returnTo: string }> {
  const p = new URLSearchParams(search);
  let pending: Pending | null;
  try {
    pending = JSON.parse(storage.getItem(PENDING) ?? 'null');
  } catch {
    pending = null;
  }
  storage.removeItem(PENDING);
  const again = 'Sign in again.';
  if (!pending || typeof pending.state !== 'string') {
    throw new SignInError(`This sign-in was not started from this tab, or was already used. ${again}`);
  }
  if (p.get('state') !== pending.state) {
    throw new SignInError(`The identity provider’s answer does not match the sign-in this page started (state). ${again}`);
  }
  if (p.has('error')) {
    const why = p.get('error_description') || p.get('error');
    throw new SignInError(`The identity provider did not sign you in: ${why}. ${again}`);
  }
  if (now - pending.at > PENDING_TTL_MS) throw new SignInError(`The sign-in took too long. ${again}`);
  const code = p.get('code');
  if (!code) throw new SignInError(`The identity provider sent no code. ${again}`);

  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: pending.clientId,
    code,
    redirect_uri: pending.redirectUri,
    code_verifier: pending.verifier,
  });
  let res: Response;
  try {
    res = await f(pending.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: body.toString(),
      credentials: 'omit',
    });
  } catch {
    throw new SignInError(`The identity provider could not be reached to finish signing in. ${again}`);
  }
  let tokens: Record<string, unknown> = {};
  try {
    tokens = await res.json();
  } catch {
    // Described below.
  }
  if (!res.ok) {
    const why = tokens.error_description || tokens.error || `it answered ${res.status}`;
    throw new SignInError(`The identity provider refused the sign-in code: ${why}. ${again}`);
  }
  const idToken = tokens.id_token;
  if (typeof idToken !== 'string' || !claims(idToken)) throw new SignInError(`The identity provider sent no ID token (is the openid scope allowed?). ${again}`);
  const c = claims(idToken)!;
  if (c.nonce !== undefined && c.nonce !== pending.nonce) throw new SignInError(`The ID token was not issued for this sign-in (nonce). ${again}`);
  if (tokenExpired(idToken, now)) throw new SignInError(`The ID token has already expired (is this computer’s clock right?). ${again}`);
  const session: Session = { token: idToken, via: 'oidc' };
  if (pending.logoutUrl) session.logoutUrl = pending.logoutUrl;
  // Back to where sign-in started: a path of this page only.
  const returnTo = typeof pending.returnTo === 'string' && /^\/(?![/\\])/.test(pending.returnTo) ? pending.returnTo : '/';
  return { session, returnTo };
}

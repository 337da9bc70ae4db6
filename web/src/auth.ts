// Sign-in. Locally the runner lists its users and hands out a dev token (`serve --demo`). A
// deployment signs in through its identity provider (the Cognito hosted UI or any OpenID
// Connect issuer, implicit flow): set VITE_AUTH_AUTHORIZE_URL and VITE_AUTH_CLIENT_ID at build
// time; the provider sends the user back with `#id_token=…` (or `access_token`).

const KEY = 'inbox.session';

export interface Session {
  token: string;
  /** Where it came from, for the sign-out link. */
  via: 'dev' | 'oidc' | 'pasted';
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

/** The claims of a JWT, unverified (the server verifies; this only reads the expiry). */
export function claims(token: string): Record<string, unknown> | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    return JSON.parse(atob(b64));
  } catch {
    return null;
  }
}

export function tokenExpired(token: string, now: number = Date.now()): boolean {
  const c = claims(token);
  return typeof c?.exp === 'number' && c.exp * 1000 < now;
}

/** A token handed back by an identity provider in the URL fragment, if any. */
export function tokenFromFragment(hash: string): string | null {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!h) return null;
  const p = new URLSearchParams(h);
  return p.get('id_token') ?? p.get('access_token');
}

export interface ProviderConfig {
  authorizeUrl: string;
  clientId: string;
}

export function providerConfig(env: Record<string, string | undefined> = import.meta.env): ProviderConfig | null {
  const authorizeUrl = env.VITE_AUTH_AUTHORIZE_URL;
  const clientId = env.VITE_AUTH_CLIENT_ID;
  return authorizeUrl && clientId ? { authorizeUrl, clientId } : null;
}

/** The identity provider's sign-in page, coming back to this page. */
export function authorizeUrl(cfg: ProviderConfig, redirect: string, nonce: string): string {
  const u = new URL(cfg.authorizeUrl);
  u.searchParams.set('response_type', 'token id_token');
  u.searchParams.set('client_id', cfg.clientId);
  u.searchParams.set('redirect_uri', redirect);
  u.searchParams.set('scope', 'openid email profile');
  u.searchParams.set('nonce', nonce);
  return u.toString();
}

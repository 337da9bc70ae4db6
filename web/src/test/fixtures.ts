import { base64url } from '../auth';
import type { Conversation, Detail, Me, Tab, TeamMember } from '../types';

/** A token shaped like a JWT with these claims (unsigned: the page only reads claims). */
export const jwt = (claims: object) => {
  const b64 = (s: string) => base64url(new TextEncoder().encode(s));
  return `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(JSON.stringify(claims))}.sig`;
};

export const team: TeamMember[] = [
  { id: 'usr_alice', name: 'Alice Martin', email: 'alice@demo.example' },
  { id: 'usr_bob', name: 'Bob Stone', email: 'bob@demo.example' },
  { id: 'usr_carol', name: 'Carol Diaz', email: 'carol@demo.example' },
];

/** `GET /api/me` for Alice (an admin) or Bob (a member) of the Demo account. */
export function meAs(role: 'admin' | 'member', patch: Partial<Me['user']> = {}): Me {
  const admin = role === 'admin';
  return {
    user: {
      id: admin ? 'usr_alice' : 'usr_bob',
      account_id: 'acc_demo',
      name: admin ? 'Alice Martin' : 'Bob Stone',
      email: admin ? 'alice@demo.example' : 'bob@demo.example',
      role,
      inbox_access: true,
      email_notifications: true,
      profile_ids: admin ? [] : ['prf_fb'],
      ...patch,
    },
    account: { id: 'acc_demo', name: 'Demo' },
    profiles: [{ id: 'prf_fb', network: 'facebook', name: 'Demo Page', handle: 'demo' }],
    permissions: { admin, inbox_access: true },
    integrations: { salesforce: false },
  };
}

export function conv(id: string, patch: Partial<Conversation> = {}): Conversation {
  return {
    id,
    network: 'facebook',
    kind: 'comment',
    profile_id: 'prf_fb',
    status: 'open',
    assignee_id: null,
    seen: false,
    sponsored: false,
    last_activity_at: '2026-01-01T10:00:00Z',
    received_at: '2026-01-01T10:00:01Z',
    created_at: '2026-01-01T09:00:00Z',
    author: { id: 'a1', name: 'Sam Rivers', handle: '' },
    excerpt: 'My order arrived damaged',
    available_actions: ['reply', 'like', 'dm'],
    thread_owner: null,
    version: 1,
    ...patch,
  };
}

export function detail(id: string, patch: Partial<Detail> = {}): Detail {
  return {
    ...conv(id),
    items: [
      {
        id: 'itm_1',
        direction: 'inbound',
        text: 'My order arrived damaged',
        author: { id: 'a1', name: 'Sam Rivers', handle: '' },
        created_at: '2026-01-01T09:00:00Z',
        platform_id: '122_190',
        state: 'received',
        failure: null,
        deleted: false,
        edited: true,
        action: null,
      },
    ],
    notes: [],
    ...patch,
  };
}

export const inboxTab: Tab = {
  id: 'tab_alice_0',
  name: 'Inbox',
  position: 0,
  filters: { status: 'open', assignee: 'none', networks: [], profiles: [], kinds: [], sponsored: null, seen: null },
  query: '',
};

/** A fetch that answers from a table of handlers keyed by "METHOD path" (path without query). */
export function fakeFetch(routes: Record<string, (body: unknown, url: string) => { status?: number; body?: unknown }>) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a request's JSON body (or none), read by tests field by field
  const calls: Array<{ method: string; url: string; body: any }> = [];
  const f = async (url: string, init?: RequestInit) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    const path = url.split('?')[0]!;
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method, url, body });
    const h = routes[`${method} ${path}`];
    if (!h) return new Response(JSON.stringify({ error: { code: 'not_found', message: 'route not found' } }), { status: 404 });
    const r = h(body, url);
    return new Response(r.body === undefined ? null : JSON.stringify(r.body), { status: r.status ?? 200, headers: { 'content-type': 'application/json' } });
  };
  return { fetch: f as unknown as typeof fetch, calls };
}

// The page's addresses: /tabs/<tab>/conversations/<id> (the inbox; emails link to
// /conversations/<id>), /settings/<section> (the
// settings), /connect/callback (where a network sends the browser back after connecting a
// channel). The runner answers index.html for every such path, so a reload or a shared link
// lands on the same view.

export interface Route {
  tab: string | null;
  conversation: string | null;
}

/** The settings' sections, in the order they are listed. */
export const SETTINGS_SECTIONS = ['team', 'channels', 'webhooks', 'api-keys', 'salesforce', 'saved-replies', 'notifications'] as const;
export type SettingsSection = (typeof SETTINGS_SECTIONS)[number];

export const CONNECT_CALLBACK_PATH = '/connect/callback';

/** Which screen an address shows. `section` is as written (an unknown one is said so). */
export type Page = { kind: 'inbox' } | { kind: 'settings'; section: string | null } | { kind: 'connect-callback' };

function parts(pathname: string): string[] {
  return pathname
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
}

export function parseRoute(pathname: string): Route {
  const p = parts(pathname);
  const route: Route = { tab: null, conversation: null };
  if (p[0] === 'tabs' && p[1]) route.tab = p[1];
  if (p[2] === 'conversations' && p[3]) route.conversation = p[3];
  // An email's link: the conversation, in whichever tab opens first.
  if (p[0] === 'conversations' && p[1] && p.length === 2) route.conversation = p[1];
  return route;
}

export function routePath(r: Route): string {
  if (!r.tab) return '/';
  let p = `/tabs/${encodeURIComponent(r.tab)}`;
  if (r.conversation) p += `/conversations/${encodeURIComponent(r.conversation)}`;
  return p;
}

export function pageOf(pathname: string): Page {
  const p = parts(pathname);
  if (p[0] === 'settings') return { kind: 'settings', section: p[1] ?? null };
  if (p[0] === 'connect' && p[1] === 'callback' && p.length === 2) return { kind: 'connect-callback' };
  return { kind: 'inbox' };
}

export function isSettingsSection(s: string | null): s is SettingsSection {
  return (SETTINGS_SECTIONS as readonly (string | null)[]).includes(s);
}

export function settingsPath(section?: SettingsSection | null): string {
  return section ? `/settings/${section}` : '/settings';
}

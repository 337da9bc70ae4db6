// Feed logic without the DOM: the request for a tab (saved or edited filters), and how a fresh
// first page merges with what is on screen.

import type { Conversation, Filters, Tab } from './types';

export const PAGE_SIZE = 25;

export function emptyFilters(): Filters {
  return { status: 'open', assignee: null, networks: [], profiles: [], kinds: [], sponsored: null, seen: null };
}

/** A tab's filters, complete (older answers may omit empty fields). */
export function normaliseFilters(f: Partial<Filters> | undefined): Filters {
  return { ...emptyFilters(), ...(f ?? {}) };
}

function sameList<T>(a: T[], b: T[]) {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((x, i) => x === sb[i]);
}

export function sameFilters(a: Filters, b: Filters): boolean {
  return (
    a.status === b.status &&
    (a.assignee ?? null) === (b.assignee ?? null) &&
    sameList(a.networks, b.networks) &&
    sameList(a.profiles, b.profiles) &&
    sameList(a.kinds, b.kinds) &&
    (a.sponsored ?? null) === (b.sponsored ?? null) &&
    (a.seen ?? null) === (b.seen ?? null)
  );
}

/** Edits to a tab that are not saved: they apply to the requests of this visit only. */
export interface Draft {
  filters: Filters;
  query: string;
}

export function isDirty(tab: Tab, draft: Draft | undefined): boolean {
  if (!draft) return false;
  return !sameFilters(normaliseFilters(tab.filters), draft.filters) || tab.query !== draft.query;
}

/**
 * The query string of a feed request. With unsaved edits every filter is sent explicitly (an
 * empty value clears the tab's condition for this request); otherwise the tab's saved ones
 * apply.
 */
export function feedQuery(tab: Tab, draft: Draft | undefined, cursor?: string | null, limit = PAGE_SIZE): string {
  const p = new URLSearchParams();
  p.set('tab', tab.id);
  if (draft && isDirty(tab, draft)) {
    const f = draft.filters;
    p.set('status', f.status);
    p.set('assignee', f.assignee ?? '');
    p.set('network', f.networks.join(','));
    p.set('profile', f.profiles.join(','));
    p.set('kind', f.kinds.join(','));
    p.set('sponsored', f.sponsored === null ? '' : String(f.sponsored));
    p.set('seen', f.seen === null ? '' : String(f.seen));
    p.set('q', draft.query);
  }
  if (cursor) p.set('cursor', cursor);
  p.set('limit', String(limit));
  return p.toString();
}

/**
 * Merges a fresh first page into the list on screen. The fresh page comes first, in its order
 * (new activity moves a conversation to the top). What scrolling loaded below it stays only
 * when the fresh page ends on a conversation already on screen and unchanged: then the rest of
 * the screen continues it, and the old cursor still points after it (`continues`). Otherwise
 * (the fresh page is all new, so there may be a gap) the screen restarts from the fresh page and
 * its cursor. `freshComplete` says the fresh page holds the whole feed.
 */
export function mergeFeed(onScreen: Conversation[], fresh: Conversation[], freshComplete: boolean): { items: Conversation[]; continues: boolean } {
  if (freshComplete || fresh.length === 0) return { items: fresh, continues: false };
  const last = fresh[fresh.length - 1]!;
  const at = onScreen.findIndex((c) => c.id === last.id);
  if (at < 0 || onScreen[at]!.received_at !== last.received_at) return { items: fresh, continues: false };
  const ids = new Set(fresh.map((c) => c.id));
  return { items: [...fresh, ...onScreen.slice(at + 1).filter((c) => !ids.has(c.id))], continues: true };
}

/** Ids that are new or moved up since `before` (for announcing updates): by when the inbox
 * received their newest activity, which orders the feed (a message written long ago but
 * delivered now counts as new). */
export function risen(before: Conversation[], after: Conversation[]): string[] {
  const old = new Map(before.map((c) => [c.id, c] as const));
  return after
    .filter((c) => {
      const o = old.get(c.id);
      return !o || Date.parse(o.received_at) < Date.parse(c.received_at);
    })
    .map((c) => c.id);
}

/** How many conversations a refresh should ask for so that the list on screen stays loaded. */
export function refreshLimit(onScreen: number): number {
  return Math.min(100, Math.max(PAGE_SIZE, onScreen));
}

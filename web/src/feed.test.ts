import { describe, expect, it } from 'vitest';
import { emptyFilters, feedQuery, isDirty, mergeFeed, refreshLimit, risen } from './feed';
import { stillMatches } from './match';
import { conv, inboxTab } from './test/fixtures';

describe('feedQuery', () => {
  it('asks for the tab alone when nothing is edited', () => {
    expect(feedQuery(inboxTab, undefined)).toBe('tab=tab_alice_0&limit=25');
    expect(feedQuery(inboxTab, { filters: { ...inboxTab.filters }, query: '' })).toBe('tab=tab_alice_0&limit=25');
  });

  it('sends every filter explicitly when edited, empty values clearing the tab’s', () => {
    const q = new URLSearchParams(
      feedQuery(inboxTab, { filters: { ...emptyFilters(), networks: ['twitter', 'facebook'], seen: false }, query: '"exact phrase" -word' }, 'CUR', 50),
    );
    expect(q.get('tab')).toBe('tab_alice_0');
    expect(q.get('assignee')).toBe('');
    expect(q.get('network')).toBe('twitter,facebook');
    expect(q.get('kind')).toBe('');
    expect(q.get('sponsored')).toBe('');
    expect(q.get('seen')).toBe('false');
    expect(q.get('q')).toBe('"exact phrase" -word');
    expect(q.get('cursor')).toBe('CUR');
    expect(q.get('limit')).toBe('50');
  });

  it('knows when a draft differs from the saved tab, whatever the order of lists', () => {
    const tab = { ...inboxTab, filters: { ...inboxTab.filters, networks: ['x' as never, 'facebook' as const] } };
    expect(isDirty(tab, { filters: { ...tab.filters, networks: ['facebook', 'x' as never] }, query: '' })).toBe(false);
    expect(isDirty(tab, { filters: tab.filters, query: 'tent' })).toBe(true);
    expect(isDirty(tab, { filters: { ...tab.filters, sponsored: true }, query: '' })).toBe(true);
  });
});

describe('mergeFeed', () => {
  // The feed is ordered by when the inbox received each conversation's newest activity.
  const a = conv('a', { received_at: '2026-01-01T10:05:00Z' });
  const b = conv('b', { received_at: '2026-01-01T10:04:00Z' });
  const c = conv('c', { received_at: '2026-01-01T10:03:00Z' });
  const d = conv('d', { received_at: '2026-01-01T10:02:00Z' });

  it('puts a conversation with new activity back on top, once', () => {
    const cNew = { ...c, received_at: '2026-01-01T10:06:00Z', seen: false };
    expect(mergeFeed([a, b, c, d], [cNew, a, b, d], true).items.map((x) => x.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(risen([a, b, c, d], [cNew, a, b, d])).toEqual(['c']);
    // Times compare as times, whatever their precision.
    expect(risen([{ ...a, received_at: '2026-01-01T10:05:00Z' }], [{ ...a, received_at: '2026-01-01T10:05:00.5Z' }])).toEqual(['a']);
  });

  it('keeps what scrolling loaded below a fresh page that ends on it', () => {
    const cNew = { ...c, received_at: '2026-01-01T10:06:00Z' };
    expect(mergeFeed([a, b, c, d], [cNew, a, b], false)).toEqual({ items: [cNew, a, b, d], continues: true });
  });

  it('restarts from the fresh page when it may leave a gap', () => {
    const n1 = conv('n1', { received_at: '2026-01-01T11:00:00Z' });
    const n2 = conv('n2', { received_at: '2026-01-01T10:59:00Z' });
    // Two new ones fill the page: what lies between them and `a` is unknown.
    expect(mergeFeed([a, b, c], [n1, n2], false)).toEqual({ items: [n1, n2], continues: false });
    // The page ends on one that changed since: same.
    expect(mergeFeed([a, b, c], [n1, { ...b, received_at: '2026-01-01T10:58:00Z' }], false).continues).toBe(false);
  });

  it('drops what left the feed when the fresh page is the whole feed', () => {
    expect(mergeFeed([a, b, c], [a, c], true).items.map((x) => x.id)).toEqual(['a', 'c']);
  });

  it('asks for enough to cover what is on screen, within the API’s limit', () => {
    expect(refreshLimit(3)).toBe(25);
    expect(refreshLimit(60)).toBe(60);
    expect(refreshLimit(400)).toBe(100);
  });
});

describe('stillMatches', () => {
  const f = { ...emptyFilters(), assignee: 'none' };
  it('drops a closed conversation from an open feed, and an assigned one from the unassigned feed', () => {
    expect(stillMatches(conv('a'), f, 'me')).toBe(true);
    expect(stillMatches(conv('a', { status: 'closed' }), f, 'me')).toBe(false);
    expect(stillMatches(conv('a', { assignee_id: 'me' }), f, 'me')).toBe(false);
    expect(stillMatches(conv('a', { assignee_id: 'me' }), { ...f, assignee: 'me' }, 'me')).toBe(true);
    expect(stillMatches(conv('a', { assignee_id: 'bob' }), { ...f, assignee: 'me' }, 'me')).toBe(false);
    expect(stillMatches(conv('a', { assignee_id: 'bob', status: 'closed' }), { ...f, status: 'any', assignee: 'any' }, 'me')).toBe(true);
  });
});

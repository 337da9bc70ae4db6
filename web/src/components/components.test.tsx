import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Client } from '../api';
import { conv, detail, fakeFetch, inboxTab, team } from '../test/fixtures';
import type { Profile } from '../types';
import { Bell } from './Bell';
import { ConversationView } from './ConversationView';
import { FeedList } from './FeedList';
import { HelpDialog } from './HelpDialog';
import { NoteBox } from './NoteBox';
import { SignIn } from './SignIn';
import { TabBar } from './TabBar';

afterEach(cleanup);

const profiles = new Map<string, Profile>([['prf_fb', { id: 'prf_fb', network: 'facebook', name: 'Demo Page', handle: 'demo' }]]);
const teamById = new Map(team.map((u) => [u.id, u]));
const now = Date.parse('2026-01-01T10:03:00Z');

/** A conversation view of `c1` for Alice, on `fetch`, with `props` over the defaults. */
function renderView(fetch: typeof globalThis.fetch, props: Partial<Parameters<typeof ConversationView>[0]> = {}) {
  return render(
    <ConversationView
      client={new Client({ token: () => 't', fetch })}
      id="c1"
      meId="usr_alice"
      team={team}
      teamById={teamById}
      profiles={profiles}
      salesforce={false}
      activityAt={null}
      handle={{ current: null }}
      now={now}
      onChanged={() => {}}
      onBack={() => {}}
      {...props}
    />,
  );
}

describe('FeedList', () => {
  const props = {
    loading: false,
    loadingMore: false,
    hasMore: false,
    error: null,
    selected: -1,
    openId: null,
    profiles,
    team: teamById,
    meId: 'usr_alice',
    now,
    onOpen: () => {},
    onMore: () => {},
    onRetry: () => {},
  };

  it('shows unseen conversations standing out and seen ones greyed, with their details', () => {
    render(
      <FeedList
        {...props}
        conversations={[
          conv('c1', { author: { id: '1', name: 'Jane Customer', handle: 'jane' }, sponsored: true }),
          conv('c2', { seen: true, assignee_id: 'usr_bob', network: 'twitter', kind: 'mention' }),
          conv('c3', { assignee_id: 'usr_alice' }),
        ]}
      />,
    );
    const rows = screen.getAllByRole('button');
    expect(rows.map((r) => r.dataset.seen)).toEqual(['false', 'true', 'false']);
    expect(rows[0]!.className).toContain('unseen');
    expect(rows[1]!.className).toContain('seen');
    expect(rows[0]!.textContent).toContain('Jane Customer');
    expect(rows[0]!.textContent).toContain('@jane');
    expect(rows[0]!.textContent).toContain('Sponsored');
    expect(rows[0]!.textContent).toContain('Unassigned');
    expect(rows[0]!.textContent).toContain('3m');
    expect(rows[1]!.textContent).toContain('Assigned: Bob Stone');
    expect(rows[2]!.textContent).toContain('Assigned: You');
    expect(screen.getAllByRole('img', { name: 'Facebook' })).toHaveLength(2);
    expect(screen.getByRole('img', { name: 'X' })).toBeTruthy();
    expect(screen.getByRole('img', { name: 'Mention' })).toBeTruthy();
  });

  it('says so when empty, and shows errors in words with a way to retry', () => {
    const onRetry = vi.fn();
    const { rerender } = render(<FeedList {...props} conversations={[]} />);
    expect(screen.getByText('No conversations here.')).toBeTruthy();
    rerender(<FeedList {...props} conversations={[]} error="Could not load the conversations: The inbox could not be reached." onRetry={onRetry} />);
    expect(screen.getByRole('alert').textContent).toContain('could not be reached');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(onRetry).toHaveBeenCalled();
  });
});

describe('NoteBox', () => {
  it('completes @mentions from the team and submits the note', async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    render(<NoteBox team={team} onSubmit={onSubmit} />);
    const box = screen.getByLabelText(/internal note/) as HTMLTextAreaElement;
    box.value = 'ask @bo';
    box.setSelectionRange(7, 7);
    fireEvent.input(box);
    const list = await screen.findByRole('listbox', { name: 'Teammates' });
    expect(list.textContent).toContain('Bob Stone');
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(box.value).toBe('ask @BobStone '));
    expect(screen.queryByRole('listbox')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledWith('ask @BobStone '));
    await waitFor(() => expect(box.value).toBe(''));
  });

  it('keeps the text and says why when the note is refused', async () => {
    render(<NoteBox team={team} onSubmit={() => Promise.reject(new Error('A note has at most 10000 characters.'))} />);
    const box = screen.getByLabelText(/internal note/) as HTMLTextAreaElement;
    fireEvent.input(box, { target: { value: 'hello' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
    expect((await screen.findByRole('alert')).textContent).toContain('A note has at most 10000 characters.');
    expect(box.value).toBe('hello');
  });
});

describe('SignIn', () => {
  it('lists the runner’s users and signs in with a dev token', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /api/dev/users': () => ({
        body: { users: [{ id: 'usr_bob', name: 'Bob Stone', email: 'bob@demo.example', role: 'member', inbox_access: true, account_id: 'acc', account_name: 'Demo' }] },
      }),
      'POST /api/dev/token': () => ({ body: { token: 'tok' } }),
    });
    const onSignedIn = vi.fn();
    render(<SignIn client={new Client({ token: () => null, fetch })} onSignedIn={onSignedIn} />);
    fireEvent.click(await screen.findByRole('button', { name: /Bob Stone/ }));
    await waitFor(() => expect(onSignedIn).toHaveBeenCalledWith({ token: 'tok', via: 'dev' }));
    expect(calls.at(-1)!.body).toEqual({ user_id: 'usr_bob' });
  });

  it('without dev sign-in, offers a token field', async () => {
    const { fetch } = fakeFetch({});
    render(<SignIn client={new Client({ token: () => null, fetch })} onSignedIn={() => {}} />);
    expect(await screen.findByLabelText('Bearer token')).toBeTruthy();
  });
});

/** Alice's pending reply "On its way" on `c1`, with `over` on top. */
function outbound(over: Record<string, unknown> = {}) {
  return {
    id: 'itm_out',
    direction: 'outbound',
    text: 'On its way',
    author: { id: 'p', name: 'Demo Page', handle: 'demo' },
    created_at: '2026-01-01T10:02:00Z',
    platform_id: null,
    state: 'pending',
    failure: null,
    deleted: false,
    edited: false,
    action: 'reply',
    ...over,
  };
}

describe('Saved replies in the reply box', () => {
  it('typing / finds saved replies filled in for the conversation; Enter puts one in the box', async () => {
    const reply = (id: string, title: string, filled: string, fits = true) => ({
      id,
      title,
      text: `${title} {first_name}`,
      created_by: 'usr_alice',
      created_at: '2026-01-01T10:00:00Z',
      updated_at: '2026-01-01T10:00:00Z',
      version: 1,
      filled: { text: filled, chars: filled.length, limit: fits ? 8000 : 10, fits, empty: [] },
    });
    const { fetch, calls } = fakeFetch({
      'GET /api/conversations/c1': () => ({ body: detail('c1') }),
      'POST /api/conversations/c1/seen': () => ({ body: conv('c1', { seen: true }) }),
      'GET /api/saved-replies': (_b, url) => {
        const q = new URL(url, 'http://x').searchParams.get('q') ?? '';
        const all = [reply('rpl_1', 'Refund', 'Hi Sam, refunds take 5 days.'), reply('rpl_2', 'Shipping', 'Hi Sam, it ships Monday and this is long.', false)];
        return { body: { saved_replies: all.filter((r) => r.title.toLowerCase().includes(q.trim().toLowerCase())) } };
      },
      'POST /api/saved-replies': (b) => ({ status: 201, body: { ...reply('rpl_3', (b as { title: string }).title, ''), filled: null } }),
    });
    renderView(fetch);
    await screen.findByRole('heading', { name: 'Sam Rivers' });
    const box = screen.getByLabelText('Reply to Sam Rivers') as HTMLTextAreaElement;
    fireEvent.input(box, { target: { value: '/' } });
    const list = await screen.findByRole('listbox', { name: 'Saved replies' });
    expect(list.textContent).toContain('Hi Sam, refunds take 5 days.');
    expect(list.textContent).toContain('too long here');
    const asked = calls.find((c) => c.url.startsWith('/api/saved-replies'))!;
    expect(asked.url).toContain('conversation_id=c1');
    fireEvent.input(box, { target: { value: '/ship' } });
    const options = () => within(screen.getByRole('listbox', { name: 'Saved replies' })).getAllByRole('option');
    await waitFor(() => expect(options()).toHaveLength(1));
    fireEvent.input(box, { target: { value: '/' } });
    await waitFor(() => expect(options()).toHaveLength(2));
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    expect(options()[0]!.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(box.value).toBe('Hi Sam, refunds take 5 days.');
    expect(screen.queryByRole('listbox')).toBeNull();
    // Escape closes the list and keeps the text (a reply may start with a slash); Ctrl+Enter
    // never picks.
    fireEvent.input(box, { target: { value: '/r/camping' } });
    await screen.findByText('No saved reply has “r/camping”.');
    const escape = fireEvent.keyDown(box, { key: 'Escape' });
    expect(escape).toBe(false); // handled: the conversation's own Escape does not see it
    expect(box.value).toBe('/r/camping');
    expect(screen.queryByText(/No saved reply has/)).toBeNull();
    fireEvent.input(box, { target: { value: 'Hi Sam, refunds take 5 days.' } });
    // What the box holds can be saved for the account; Enter in the title saves, never sends.
    const form = within(screen.getByRole('form', { name: 'Reply' }));
    fireEvent.click(form.getByRole('button', { name: 'Save as a saved reply' }));
    const title = form.getByLabelText('Title of the saved reply');
    fireEvent.input(title, { target: { value: 'Refund again' } });
    fireEvent.keyDown(title, { key: 'Enter' });
    await screen.findByText(/Saved as “Refund again”/);
    expect(calls.find((c) => c.method === 'POST' && c.url === '/api/saved-replies')!.body).toEqual({ title: 'Refund again', text: 'Hi Sam, refunds take 5 days.' });
    expect(calls.some((c) => c.url.endsWith('/reply'))).toBe(false);
  });
});

describe('ConversationView', () => {
  it('marks it seen on open, and a failed reply shows the reason and keeps the text', async () => {
    let state: 'none' | 'pending' | 'failed' = 'none';
    const out = () =>
      outbound(
        state === 'failed'
          ? { state: 'failed', failure: 'no facebook client is configured on this server, so the reply was not sent' }
          : {},
      );
    const { fetch, calls } = fakeFetch({
      'GET /api/conversations/c1': () => {
        const d = detail('c1', { assignee_id: state === 'none' ? null : 'usr_alice' });
        if (state !== 'none') d.items = [...d.items, out() as never];
        if (state === 'pending') state = 'failed';
        return { body: d };
      },
      'POST /api/conversations/c1/seen': () => ({ body: conv('c1', { seen: true }) }),
      'POST /api/conversations/c1/reply': () => {
        state = 'pending';
        return { status: 202, body: { item: out(), conversation: conv('c1', { seen: true, assignee_id: 'usr_alice' }) } };
      },
    });
    const onChanged = vi.fn();
    renderView(fetch, { onChanged });
    await screen.findByRole('heading', { name: 'Sam Rivers' });
    expect(screen.queryByRole('button', { name: 'Create Salesforce case' })).toBeNull();
    await waitFor(() => expect(onChanged).toHaveBeenCalledWith(expect.objectContaining({ id: 'c1', seen: true })));
    expect(screen.getByText('Edited')).toBeTruthy();
    expect(screen.getByText(/Comment on a post of Demo Page/)).toBeTruthy();
    expect(calls.some((c) => c.url.endsWith('/post'))).toBe(false); // no post id: nothing asked
    const box = screen.getByLabelText('Reply to Sam Rivers') as HTMLTextAreaElement;
    fireEvent.input(box, { target: { value: 'On its way' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send reply' }));
    const alert = await screen.findByText(/did not go out: no facebook client is configured/, {}, { timeout: 4000 });
    expect(alert.getAttribute('role')).toBe('alert');
    expect(box.value).toBe('On its way');
    expect(screen.getByText('Not sent')).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST' && c.url.endsWith('/reply') && c.body.text === 'On its way')).toBe(true);
    await waitFor(() => expect(screen.getByText('Assigned to You')).toBeTruthy());
  });

  it('shows a reply the network could not take yet as retrying, with why and when', async () => {
    const retrying = outbound({
      failure: 'Facebook had a temporary problem: Service temporarily unavailable',
      retry: { attempts: 2, next_at: new Date(now + 5 * 60_000).toISOString() },
    });
    const { fetch } = fakeFetch({
      'GET /api/conversations/c1': () => {
        const d = detail('c1');
        d.items = [...d.items, retrying as never];
        return { body: d };
      },
      'POST /api/conversations/c1/seen': () => ({ body: conv('c1', { seen: true }) }),
    });
    renderView(fetch);
    await screen.findByRole('heading', { name: 'Sam Rivers' });
    expect(await screen.findByText('Retrying')).toBeTruthy();
    const status = screen.getByText(/Not sent yet, trying again in 5 min \(try 3\): Facebook had a temporary problem/);
    expect(status.getAttribute('role')).toBe('status');
    expect(screen.queryByText('Sending…')).toBeNull();
  });

  it('shows a refused action in words', async () => {
    const { fetch } = fakeFetch({
      'GET /api/conversations/c1': () => ({ body: detail('c1') }),
      'POST /api/conversations/c1/seen': () => ({ body: conv('c1', { seen: true }) }),
      'POST /api/conversations/c1/salesforce-case': () => ({
        status: 422,
        body: { error: { code: 'rule_violated', message: 'Salesforce is not connected for this account; an admin must connect it first' } },
      }),
    });
    renderView(fetch, { salesforce: true });
    fireEvent.click(await screen.findByRole('button', { name: 'Create Salesforce case' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Could not create a Salesforce case: Salesforce is not connected for this account; an admin must connect it first.',
    );
  });

  it('links the Salesforce case a conversation has instead of offering another', async () => {
    const withCase = detail('c1', {
      salesforce_case: { id: '500XX0001', url: 'https://acme.my.salesforce.com/500XX0001', created_at: '2026-11-26T00:00:00Z' },
    });
    const { fetch } = fakeFetch({
      'GET /api/conversations/c1': () => ({ body: withCase }),
      'POST /api/conversations/c1/seen': () => ({ body: conv('c1', { seen: true }) }),
    });
    renderView(fetch, { salesforce: true });
    const link = (await screen.findByRole('link', { name: 'Salesforce case 500XX0001' })) as HTMLAnchorElement;
    expect(link.href).toBe('https://acme.my.salesforce.com/500XX0001');
    expect(screen.queryByRole('button', { name: 'Create Salesforce case' })).toBeNull();
  });
});

describe('Bell, tabs, shortcuts', () => {
  it('the bell counts unread notifications and opens one', () => {
    const onOpen = vi.fn();
    const n = { id: 'n1', type: 'mentioned' as const, conversation_id: 'c1', actor_id: 'usr_alice', created_at: '2026-01-01T10:00:00Z', read: false, text: 'Alice Martin mentioned you' };
    render(<Bell notifications={[n, { ...n, id: 'n2', read: true }]} error={null} now={now} onOpen={onOpen} />);
    fireEvent.click(screen.getByRole('button', { name: 'Notifications, 1 unread' }));
    fireEvent.click(screen.getAllByRole('button', { name: /mentioned you/ })[0]!);
    expect(onOpen).toHaveBeenCalledWith(n);
  });

  it('tabs can be added by name', async () => {
    const onCreate = vi.fn().mockResolvedValue(undefined);
    const noop = () => Promise.resolve();
    render(<TabBar tabs={[inboxTab]} activeId={inboxTab.id} dirty={true} onSelect={() => {}} onCreate={onCreate} onRename={noop} onMove={noop} onRemove={noop} />);
    expect(screen.getByRole('tab', { name: /Inbox/ }).getAttribute('aria-selected')).toBe('true');
    expect(screen.getByText('(unsaved filters)')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'New tab' }));
    fireEvent.input(screen.getByLabelText('New tab name'), { target: { value: 'VIP' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await waitFor(() => expect(onCreate).toHaveBeenCalledWith('VIP'));
    expect(screen.getByRole('button', { name: 'Move Inbox left' })).toHaveProperty('disabled', true);
  });

  it('? lists every shortcut', () => {
    render(<HelpDialog onClose={() => {}} />);
    const dialog = screen.getByRole('dialog', { name: 'Keyboard shortcuts' });
    // Each key in a <kbd> of its own (a letter in a description would not do).
    const keys = [...dialog.querySelectorAll('kbd')].map((k) => k.textContent);
    expect(keys).toEqual(['j', 'k', 'Enter', 'e', 'a', 'r', '/', '?', 'Esc']);
  });
});

describe('the original post', () => {
  it('asks again while the server fetches it, then shows it with its link', async () => {
    let asked = 0;
    const { fetch } = fakeFetch({
      'GET /api/conversations/c1': () => ({ body: detail('c1', { post_id: '1_2' }) }),
      'POST /api/conversations/c1/seen': () => ({ body: conv('c1', { seen: true }) }),
      'GET /api/conversations/c1/post': () => {
        asked += 1;
        if (asked === 1) return { body: { status: 'fetching', post: null } };
        return {
          body: {
            status: 'ready',
            post: {
              id: '1_2', network: 'facebook', text: 'The tent is back in stock', author_name: 'Demo Page',
              permalink: 'https://www.facebook.com/1/posts/2', media_url: null, created_at: null, sponsored: true,
              fetched_at: '2026-01-01T00:00:00Z', error: null,
            },
          },
        };
      },
    });
    renderView(fetch);
    expect(await screen.findByText('Loading the original post…')).toBeTruthy();
    expect(await screen.findByText('The tent is back in stock', {}, { timeout: 3000 })).toBeTruthy();
    expect(asked).toBe(2);
    const link = screen.getByRole('link', { name: 'View on Facebook' });
    expect(link.getAttribute('href')).toBe('https://www.facebook.com/1/posts/2');
    expect(link.getAttribute('rel')).toContain('noopener');
    expect(screen.getByRole('region', { name: 'Original post' }).textContent).toContain('Sponsored');
  });

  it('stops asking after a while, and asks again on request', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      let asked = 0;
      const { fetch } = fakeFetch({
        'GET /api/conversations/c1': () => ({ body: detail('c1', { post_id: '1_2' }) }),
        'POST /api/conversations/c1/seen': () => ({ body: conv('c1', { seen: true }) }),
        'GET /api/conversations/c1/post': () => {
          asked += 1;
          return { body: { status: 'fetching', post: null } };
        },
      });
      renderView(fetch);
      await screen.findByText('Loading the original post…');
      await vi.advanceTimersByTimeAsync(30_000);
      expect(await screen.findByText(/has not been read from Facebook yet/)).toBeTruthy();
      const before = asked;
      expect(before).toBe(11); // the first ask and ten more
      fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
      await waitFor(() => expect(asked).toBe(before + 1));
    } finally {
      vi.useRealTimers();
    }
  });

  it('says in words why a post could not be loaded', async () => {
    const { fetch } = fakeFetch({
      'GET /api/conversations/c1': () => ({ body: detail('c1', { post_id: '1_9' }) }),
      'POST /api/conversations/c1/seen': () => ({ body: conv('c1', { seen: true }) }),
      'GET /api/conversations/c1/post': () => ({
        body: {
          status: 'unavailable',
          post: {
            id: '1_9', network: 'facebook', text: '', author_name: null, permalink: null, media_url: null, created_at: null,
            sponsored: null, fetched_at: '2026-01-01T00:00:00Z', error: 'Object with ID 1_9 does not exist',
          },
        },
      }),
    });
    renderView(fetch);
    expect(await screen.findByText(/could not be loaded from Facebook: Object with ID 1_9 does not exist/)).toBeTruthy();
  });
});

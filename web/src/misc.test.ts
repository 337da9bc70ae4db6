import { describe, expect, it, vi } from 'vitest';
import { ApiError, Client, errorFrom } from './api';
import { loadSession, saveSession, tokenExpired } from './auth';
import { commandFor } from './keys';
import { isSettingsSection, pageOf, parseRoute, routePath, settingsPath } from './route';
import { fakeFetch, jwt } from './test/fixtures';


describe('keyboard', () => {
  const key = (k: string, tag = 'body', extra = {}) => commandFor({ key: k, target: document.createElement(tag), ctrlKey: false, metaKey: false, altKey: false, ...extra });
  it('maps j/k/Enter/e/a/r/?// outside fields', () => {
    expect(['j', 'k', 'Enter', 'e', 'a', 'r', '/', '?'].map((k) => key(k, 'div'))).toEqual(['next', 'prev', 'open', 'close', 'assign', 'reply', 'search', 'help']);
  });
  it('leaves typing alone, and Enter on buttons to the button', () => {
    expect(key('j', 'input')).toBeNull();
    expect(key('e', 'textarea')).toBeNull();
    expect(key('Enter', 'button')).toBeNull();
    expect(key('j', 'div', { ctrlKey: true })).toBeNull();
    expect(key('Escape', 'textarea')).toBe('escape');
  });
});

describe('routes', () => {
  it('round-trips tab and conversation', () => {
    const r = { tab: 'tab_a b', conversation: 'cnv_1' };
    expect(parseRoute(routePath(r))).toEqual(r);
    expect(parseRoute('/')).toEqual({ tab: null, conversation: null });
    // An email's link opens the conversation in the first tab.
    expect(parseRoute('/conversations/cnv_1')).toEqual({ tab: null, conversation: 'cnv_1' });
    expect(parseRoute('/conversations/cnv_1/more')).toEqual({ tab: null, conversation: null });
    expect(parseRoute('/tabs/t1')).toEqual({ tab: 't1', conversation: null });
  });
  it('tell the inbox, the settings and the connect callback apart', () => {
    expect(pageOf('/')).toEqual({ kind: 'inbox' });
    expect(pageOf('/tabs/t1/conversations/c1')).toEqual({ kind: 'inbox' });
    expect(pageOf('/settings')).toEqual({ kind: 'settings', section: null });
    expect(pageOf('/settings/')).toEqual({ kind: 'settings', section: null });
    expect(pageOf('/settings/team')).toEqual({ kind: 'settings', section: 'team' });
    expect(pageOf('/settings/api-keys')).toEqual({ kind: 'settings', section: 'api-keys' });
    expect(pageOf('/settings/no%20such')).toEqual({ kind: 'settings', section: 'no such' });
    expect(pageOf('/connect/callback')).toEqual({ kind: 'connect-callback' });
    expect(pageOf('/connect/callback/')).toEqual({ kind: 'connect-callback' });
    expect(pageOf('/connect/callback/more')).toEqual({ kind: 'inbox' });
    expect(pageOf('/connect')).toEqual({ kind: 'inbox' });
    // A settings address says nothing about a tab, and the other way round.
    expect(parseRoute('/settings/team')).toEqual({ tab: null, conversation: null });
  });
  it('name every settings section, and only those', () => {
    for (const s of ['team', 'channels', 'webhooks', 'api-keys', 'salesforce', 'notifications'] as const) {
      expect(isSettingsSection(s)).toBe(true);
      expect(pageOf(settingsPath(s))).toEqual({ kind: 'settings', section: s });
    }
    expect(isSettingsSection('billing')).toBe(false);
    expect(isSettingsSection(null)).toBe(false);
    expect(settingsPath()).toBe('/settings');
  });
});

describe('sessions', () => {
  it('forgets an expired token', () => {
    const old = jwt({ sub: 'u', exp: 1 });
    expect(tokenExpired(old)).toBe(true);
    saveSession({ token: old, via: 'dev' });
    expect(loadSession()).toBeNull();
    const good = jwt({ sub: 'u', exp: Math.floor(Date.now() / 1000) + 3600 });
    saveSession({ token: good, via: 'dev' });
    expect(loadSession()?.token).toBe(good);
    saveSession(null);
  });
});

describe('API errors', () => {
  it('are the server’s words, as a sentence', async () => {
    const e = await errorFrom(new Response(JSON.stringify({ error: { code: 'rule_violated', message: 'twitter allows at most 280 characters' } }), { status: 422 }));
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.message]).toEqual([422, 'rule_violated', 'Twitter allows at most 280 characters.']);
  });
  it('say what happened when the answer is not JSON, or nothing answered', async () => {
    const e = await errorFrom(new Response('<html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(e.message).toBe('The inbox answered 502 Bad Gateway; try again in a moment.');
    const c = new Client({ token: () => 't', fetch: (() => Promise.reject(new TypeError('failed'))) as never });
    await expect(c.me()).rejects.toThrow(/could not be reached/);
  });
  it('a 401 signs the user out with the reason', async () => {
    const { fetch } = fakeFetch({ 'GET /api/me': () => ({ status: 401, body: { error: { code: 'unauthorized', message: 'the token has expired; sign in again' } } }) });
    const onUnauthorized = vi.fn();
    const c = new Client({ token: () => 't', fetch, onUnauthorized });
    await expect(c.me()).rejects.toThrow('The token has expired; sign in again.');
    expect(onUnauthorized).toHaveBeenCalledWith('The token has expired; sign in again.');
  });
});

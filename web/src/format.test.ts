import { describe, expect, it } from 'vitest';
import { age, displayName, hasMessagingWindow, maxLength, messagingWindow, relative } from './format';

const now = Date.parse('2026-01-10T12:00:00Z');
const ago = (ms: number) => new Date(now - ms).toISOString();

describe('age', () => {
  it('is short: now, seconds, minutes, hours, days, weeks', () => {
    expect(age(ago(3000), now)).toBe('now');
    expect(age(ago(45_000), now)).toBe('45s');
    expect(age(ago(3 * 60_000), now)).toBe('3m');
    expect(age(ago(2 * 3600_000 + 59 * 60_000), now)).toBe('2h');
    expect(age(ago(3 * 86400_000), now)).toBe('3d');
    expect(age(ago(15 * 86400_000), now)).toBe('2w');
    expect(age('2025-01-01T00:00:00Z', now)).toBe('2025-01-01');
    expect(age('not a date', now)).toBe('');
  });
});

describe('messaging window', () => {
  it('applies to Messenger and Instagram DMs only', () => {
    expect(hasMessagingWindow({ network: 'facebook', kind: 'dm' })).toBe(true);
    expect(hasMessagingWindow({ network: 'instagram', kind: 'dm' })).toBe(true);
    expect(hasMessagingWindow({ network: 'twitter', kind: 'dm' })).toBe(false);
    expect(hasMessagingWindow({ network: 'facebook', kind: 'comment' })).toBe(false);
  });

  it('tells the time left, and when the standard 24 hours are over', () => {
    expect(messagingWindow(ago(2 * 3600_000), now)).toEqual({ open: true, text: 'Messaging window: 6d 22h left; standard replies for 22h 0m.' });
    expect(messagingWindow(ago(3 * 86400_000), now).text).toBe(
      'Messaging window: 4d 0h left; past 24 hours, replies go with the human-agent tag.',
    );
    expect(messagingWindow(ago(8 * 86400_000), now).open).toBe(false);
  });
});

describe('labels', () => {
  it('limits text as the networks do', () => {
    expect(maxLength('twitter', 'reply')).toBe(280);
    expect(maxLength('facebook', 'dm')).toBe(2000);
    expect(maxLength('linkedin', 'reply')).toBe(1250);
  });

  it('names people without a name', () => {
    expect(displayName({ id: '1', name: 'Jane', handle: 'jane' })).toBe('Jane');
    expect(displayName({ id: '1', name: '', handle: 'jane' })).toBe('@jane');
    expect(displayName({ id: '7312345678901234', name: '', handle: '' }, 'facebook')).toBe('Messenger user …1234');
  });
});

describe('relative times', () => {
  it('say past and future in words', () => {
    const later = (ms: number) => new Date(now + ms).toISOString();
    expect(relative(ago(10_000), now)).toBe('just now');
    expect(relative(later(10_000), now)).toBe('in a moment');
    expect(relative(ago(5 * 60_000), now)).toBe('5 minutes ago');
    expect(relative(later(3 * 3600_000), now)).toBe('in 3 hours');
    expect(relative(ago(26 * 3600_000), now)).toBe('26 hours ago');
    expect(relative(later(10 * 86400_000), now)).toBe('in 10 days');
    expect(relative(ago(90 * 86400_000), now)).toBe('3 months ago');
    expect(relative(null, now)).toBe('');
    expect(relative('not a date', now)).toBe('');
  });
});

// Small formatting rules: ages ("3m", "2h"), the messaging window, labels.

import type { Conversation, Kind, Network } from './types';

/** A compact age: "now", "45s", "3m", "2h", "4d", "6w", then a date. */
export function age(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 10) return 'now';
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 7) return `${d}d`;
  if (d < 60) return `${Math.floor(d / 7)}w`;
  return new Date(t).toISOString().slice(0, 10);
}

/** A full date and time for titles and the history. */
export function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export const NETWORK_LABEL: Record<Network, string> = {
  twitter: 'X',
  facebook: 'Facebook',
  instagram: 'Instagram',
  linkedin: 'LinkedIn',
  youtube: 'YouTube',
};

export const KIND_LABEL: Record<Kind, string> = {
  mention: 'Mention',
  reply: 'Reply',
  comment: 'Comment',
  tag: 'Tag',
  dm: 'Direct message',
};

/** Messenger and Instagram DMs can be answered for 7 days after the person's last message. */
export const MESSAGING_WINDOW_MS = 7 * 24 * 3600 * 1000;
/** Without the human-agent tag, 24 hours. */
export const STANDARD_WINDOW_MS = 24 * 3600 * 1000;

export function hasMessagingWindow(c: Pick<Conversation, 'network' | 'kind'>): boolean {
  return c.kind === 'dm' && (c.network === 'facebook' || c.network === 'instagram');
}

function span(ms: number): string {
  const mins = Math.floor(ms / 60000);
  const d = Math.floor(mins / (24 * 60));
  const h = Math.floor((mins % (24 * 60)) / 60);
  const m = mins % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m`;
}

/** The messaging window's state, in words, for the reply box of a Messenger/Instagram DM. */
export function messagingWindow(lastInboundIso: string, now: number = Date.now()): { open: boolean; text: string } {
  const last = Date.parse(lastInboundIso);
  const left = last + MESSAGING_WINDOW_MS - now;
  if (Number.isNaN(last)) return { open: true, text: '' };
  if (left <= 0) {
    return { open: false, text: 'The messaging window has closed: the person last wrote more than 7 days ago.' };
  }
  const standard = last + STANDARD_WINDOW_MS - now;
  const std = standard > 0 ? `; standard replies for ${span(standard)}` : '; past 24 hours, replies go with the human-agent tag';
  return { open: true, text: `Messaging window: ${span(left)} left${std}.` };
}

/** Longest outbound text per network and action (the API refuses longer ones with 422). */
export function maxLength(network: Network, action: 'reply' | 'dm'): number {
  if (network === 'twitter') return action === 'reply' ? 280 : 10000;
  if ((network === 'facebook' || network === 'instagram') && action === 'dm') return 2000;
  if (network === 'instagram') return 2200;
  if (network === 'linkedin') return 1250;
  return 8000;
}

/** A person's name as shown: their name, else their handle, else who they are on the network. */
export function displayName(a: { id: string; name: string; handle: string }, network?: Network): string {
  if (a.name.trim()) return a.name;
  if (a.handle.trim()) return `@${a.handle}`;
  const where = network === 'facebook' ? 'Messenger' : network ? NETWORK_LABEL[network] : 'Network';
  return a.id ? `${where} user …${a.id.slice(-4)}` : 'Someone';
}

const RELATIVE = new Intl.RelativeTimeFormat('en', { numeric: 'always' });
/** Each unit, its length in seconds, and up to how many seconds it is used. */
const UNITS: Array<[Intl.RelativeTimeFormatUnit, number, number]> = [
  ['minute', 60, 3600],
  ['hour', 3600, 48 * 3600],
  ['day', 86400, 60 * 86400],
  ['month', 30 * 86400, 730 * 86400],
  ['year', 365 * 86400, Infinity],
];

/** A time in words relative to `now`: "3 hours ago", "in 2 days", "just now"; "" for none. */
export function relative(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = (t - now) / 1000;
  const abs = Math.abs(s);
  if (abs < 45) return s < 0 ? 'just now' : 'in a moment';
  const [unit, size] = UNITS.find(([, , upTo]) => abs < upTo) ?? UNITS[UNITS.length - 1]!;
  return RELATIVE.format(Math.max(1, Math.round(abs / size)) * Math.sign(s), unit);
}
